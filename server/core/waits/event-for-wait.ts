import { isDeepStrictEqual } from 'node:util';

// Which raised event a run's wait receives, and whether a run takes an event at all (docs/workflows.md, "Waiting
// for an event"). A wait is "the n-th `wait_for(name)` of the run" (its wait key, e.g. `approval#1`): a retried
// attempt asks with the same key and must receive the same event, so a binding, once made, never changes.

export interface RaisedEvent {
  id: number;
  name: string;
  payload: unknown;
}

export interface WaitAsk {
  wait_key: string;
  name: string;
  /** Payload keys and the values they must equal; null or empty: any payload. */
  filters: Record<string, unknown> | null;
}

export interface WaitBinding {
  wait_key: string;
  event_id: number | null;
}

/** Equality on the payload's top-level keys. */
export function payloadMatches(payload: unknown, filters: Record<string, unknown> | null): boolean {
  const wanted = Object.entries(filters ?? {});
  if (wanted.length === 0) return true;
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return false;
  const fields = payload as Record<string, unknown>;
  return wanted.every(([key, value]) => Object.hasOwn(fields, key) && isDeepStrictEqual(fields[key], value));
}

/**
 * The event bound to this wait key if there is one; else the oldest event of the wait's name, matching its filters,
 * that no other wait key of the run holds. Null: none yet.
 */
export function eventForWait(wait: WaitAsk, events: readonly RaisedEvent[], bindings: readonly WaitBinding[]): RaisedEvent | null {
  const own = bindings.find((b) => b.wait_key === wait.wait_key && b.event_id !== null);
  if (own) return events.find((e) => e.id === own.event_id) ?? null;
  const taken = new Set(bindings.filter((b) => b.event_id !== null).map((b) => b.event_id));
  const free = events
    .filter((e) => e.name === wait.name && !taken.has(e.id) && payloadMatches(e.payload, wait.filters))
    .sort((a, b) => a.id - b.id);
  return free[0] ?? null;
}

export interface OpenWait {
  name: string;
  since: Date;
  until: Date;
}

/**
 * Why a run refuses an event named `name`, or null when it takes it: a finished run waits for nothing; a run waiting
 * for other names only (and none of this one) would never deliver it. A run not waiting yet keeps it for later.
 */
export function raiseRefusal(run: { finished: boolean; status: string }, open: readonly OpenWait[], name: string): { reason: string; waiting_for: OpenWait[] } | null {
  if (run.finished) return { reason: `it has finished (${run.status})`, waiting_for: [] };
  if (open.length === 0 || open.some((w) => w.name === name)) return null;
  return { reason: `it is waiting for ${open.map((w) => `\`${w.name}\``).join(', ')}`, waiting_for: [...open] };
}

/** A run's status_reason while it waits for an event. */
export function waitReason(wait: { name: string; since: Date | string; until: Date | string }): string {
  const minute = (d: Date | string) => new Date(d).toISOString().slice(0, 16).replace('T', ' ');
  return `waiting for \`${wait.name}\` since ${minute(wait.since)} UTC, until ${minute(wait.until)} UTC`;
}
