// Which runs a host event replies to (docs/api.md, "Replies in a thread"): a chat message names its conversation in
// `payload.thread`, an issue comment its issue in `payload.number`. A reply goes, as an event named after its kind
// (`chat`, `issue`), to the unfinished runs its thread started and to the runs waiting for that name with a filter
// on the same thread; it does not start the workflows of those runs again.

export type ReplyKind = 'chat' | 'issue';

/** The payload field that names the thread, per kind. */
export const THREAD_FIELD: Record<ReplyKind, string> = { chat: 'thread', issue: 'number' };

export interface Thread {
  kind: ReplyKind;
  /** The payload field that names it, and its value as the host sent it (compared as JSON). */
  field: string;
  value: string | number;
}

const isThreadValue = (v: unknown): v is string | number =>
  (typeof v === 'string' && v.length > 0) || (typeof v === 'number' && Number.isFinite(v));

/** The thread an event belongs to: any chat message with a thread, any issue event with a number. */
export function threadOf(kind: string, payload: unknown): Thread | null {
  if (kind !== 'chat' && kind !== 'issue') return null;
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return null;
  const field = THREAD_FIELD[kind];
  const value = (payload as Record<string, unknown>)[field];
  return isThreadValue(value) ? { kind, field, value } : null;
}

/** The thread an event replies in: a chat message in a thread, or a comment on an issue. Other events start runs only. */
export function replyThread(kind: string, payload: unknown): Thread | null {
  const thread = threadOf(kind, payload);
  if (thread?.kind === 'issue' && (payload as Record<string, unknown>).action !== 'commented') return null;
  return thread;
}

export interface ThreadRun {
  id: number;
  run_number: number;
  workflow_name: string;
  workflow_path: string;
}

export interface Skippable {
  name: string;
  path: string;
}

/**
 * The matched workflows a reply does not start, because a run of theirs took it: each with its reason. The rest
 * start as their triggers say.
 */
export function workflowsResumedInstead<T extends Skippable>(matched: readonly T[], resumed: readonly ThreadRun[]): {
  start: T[];
  skipped: Array<T & { reason: string }>;
} {
  const start: T[] = [];
  const skipped: Array<T & { reason: string }> = [];
  for (const m of matched) {
    const run = resumed.find((r) => r.workflow_path === m.path && r.workflow_name === m.name);
    if (run) skipped.push({ ...m, reason: `a reply to run #${run.run_number} (id ${run.id}), which it resumes instead` });
    else start.push(m);
  }
  return { start, skipped };
}
