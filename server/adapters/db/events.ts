import { randomUUID } from 'node:crypto';
import type { Queryable } from './queryable.js';
import type { Chain } from '../../core/trigger/chain.js';

// events: the durable record of everything received. A second delivery of the same thing has the
// same dedup key and is dropped by the unique constraint.

export type EventKind = 'push' | 'pull_request' | 'issue' | 'chat' | 'manual' | 'dispatch' | 'schedule' | 'workflow_run';

export interface EventRow {
  id: number;
  repository_id: number;
  kind: EventKind;
  dedup_key: string;
  payload: Record<string, unknown>;
  source: string;
  status: 'pending' | 'processed' | 'failed';
  attempts: number;
  /** The run that caused the event (a dispatch from its task, its end for workflow_run); null for pushes and people. */
  parent_run_id: number | null;
  /** How many handoffs led here: 0 for pushes and people, the parent run's depth + 1 otherwise. */
  depth: number;
}

export interface NewEvent {
  repository_id: number;
  kind: EventKind;
  dedup_key: string;
  payload: Record<string, unknown>;
  source: string;
  /** A JSON object as a client wrote it, stored under `payload` (which wins): its numbers stay exact. */
  payloadText?: string;
  /** The chain the event belongs to (see EventRow); default none, depth 0. */
  chain?: Chain;
}

/** Returns the new event's id, or null when an event with the same key was already recorded. */
export async function recordEvent(db: Queryable, event: NewEvent): Promise<number | null> {
  // From its text, a payload keeps numbers JavaScript cannot hold. `::text` first: a parameter typed jsonb would
  // be sent as JSON, and the text would become one JSON string.
  const [row] = await db<{ id: number }[]>`
    insert into events (repository_id, kind, dedup_key, payload, source, parent_run_id, depth)
    values (${event.repository_id}, ${event.kind}, ${event.dedup_key},
      ${event.payloadText ?? '{}'}::text::jsonb || ${JSON.stringify(event.payload)}::text::jsonb, ${event.source},
      ${event.chain?.parent_run_id ?? null}, ${event.chain?.depth ?? 0})
    on conflict (repository_id, dedup_key) do nothing
    returning id`;
  return row?.id ?? null;
}

/** A failed push event that records the ref updates a push moved past its limit (they start nothing). */
export async function recordDroppedRefUpdates(
  db: Queryable,
  repositoryId: number,
  dropped: { limit: number; count: number; refs: string[]; message: string },
): Promise<void> {
  await db`
    insert into events (repository_id, kind, dedup_key, payload, source, status, processed_at, last_error)
    values (${repositoryId}, 'push', ${`dropped:${randomUUID()}`}, ${db.json({ dropped: dropped.count, limit: dropped.limit, refs: dropped.refs } as never)},
      'limit', 'failed', now(), ${dropped.message})`;
}

/** Repositories that have pending events, oldest first. */
export async function repositoriesWithPendingEvents(db: Queryable, limit = 1000): Promise<number[]> {
  const rows = await db<{ repository_id: number }[]>`
    select repository_id from events where status = 'pending'
    group by repository_id order by min(id) limit ${limit}`;
  return rows.map((r) => r.repository_id);
}

/**
 * Takes the per-repository trigger lock for the current transaction (false when another process holds it),
 * so one repository's events are triggered in order by one process at a time.
 */
export async function tryLockRepositoryTrigger(db: Queryable, repositoryId: number): Promise<boolean> {
  // One 64-bit key from a hash: any repository id fits, and a rare collision only serialises two repositories.
  const [row] = await db<{ locked: boolean }[]>`
    select pg_try_advisory_xact_lock(hashtextextended('plue-trigger:' || ${repositoryId}::text, 0)) as locked`;
  return row?.locked ?? false;
}

/**
 * Counts an attempt for each of the repository's oldest pending events before any work on them starts, so that
 * an attempt that never finishes (a crash, a kill) still counts. An event whose attempts are all used and that is
 * still pending is given up here. An event retried after such an attempt goes alone, so one event that brings the
 * service down cannot use up the attempts of the events after it. Returns the ids to work on, oldest first.
 */
export async function startEventAttempts(db: Queryable, repositoryId: number, limit: number, maxAttempts: number): Promise<number[]> {
  await db`
    update events set status = 'failed', processed_at = now(),
      last_error = concat_ws('; ', last_error, ${`gave up after ${maxAttempts} attempts: the last one did not finish`}::text)
    where repository_id = ${repositoryId} and status = 'pending' and attempts >= ${maxAttempts}`;
  const pending = await db<{ id: number; attempts: number }[]>`
    select id, attempts from events where repository_id = ${repositoryId} and status = 'pending' order by id limit ${limit}`;
  const batch = pending[0] !== undefined && pending[0].attempts > 0 ? pending.slice(0, 1) : pending;
  const ids = batch.map((e) => e.id);
  if (ids.length > 0) await db`update events set attempts = attempts + 1 where id = any(${ids}::bigint[])`;
  return ids;
}

/** The events `startEventAttempts` started, still pending, oldest first, locked. */
export async function pendingEventsById(db: Queryable, ids: readonly number[]): Promise<EventRow[]> {
  return db<EventRow[]>`
    select id, repository_id, kind, dedup_key, payload, source, status, attempts, parent_run_id, depth
    from events where id = any(${ids as number[]}::bigint[]) and status = 'pending'
    order by id for update`;
}

export async function markEventProcessed(db: Queryable, id: number, result: Record<string, unknown>): Promise<void> {
  await db`
    update events set status = 'processed', processed_at = now(), last_error = null,
      result = ${db.json(result as never)}
    where id = ${id}`;
}

/**
 * Records why the event's attempt (counted when it started) failed; with its attempts used up, or when trying
 * again cannot help (`giveUp`), the event is failed for good.
 */
export async function markEventAttemptFailed(db: Queryable, id: number, error: string, maxAttempts: number, giveUp = false): Promise<void> {
  await db`
    update events set last_error = ${error.slice(0, 4000)},
      status = case when attempts >= ${maxAttempts} or ${giveUp}::boolean then 'failed' else status end,
      processed_at = case when attempts >= ${maxAttempts} or ${giveUp}::boolean then now() else processed_at end
    where id = ${id} and status = 'pending'`;
}

/** Gives back the attempts of started events that were not reached (an earlier event of their batch failed). */
export async function refundEventAttempts(db: Queryable, ids: readonly number[]): Promise<void> {
  if (ids.length > 0) await db`update events set attempts = attempts - 1 where id = any(${ids as number[]}::bigint[]) and status = 'pending'`;
}

export interface EventOutcomeRow {
  id: number;
  kind: EventKind;
  payload: Record<string, unknown>;
  status: 'pending' | 'processed' | 'failed';
  result: Record<string, unknown> | null;
  last_error: string | null;
  received_at: Date;
  processed_at: Date | null;
}

const OUTCOME_COLUMNS = 'id, kind, payload, status, result, last_error, received_at, processed_at';

/** The event recorded under this key, with what triggering it decided so far. */
export async function findEventByKey(db: Queryable, repositoryId: number, dedupKey: string): Promise<EventOutcomeRow | null> {
  const [row] = await db<EventOutcomeRow[]>`
    select ${db.unsafe(OUTCOME_COLUMNS)} from events where repository_id = ${repositoryId} and dedup_key = ${dedupKey}`;
  return row ?? null;
}

export async function findEventOf(db: Queryable, repositoryId: number, id: number): Promise<EventOutcomeRow | null> {
  const [row] = await db<EventOutcomeRow[]>`
    select ${db.unsafe(OUTCOME_COLUMNS)} from events where repository_id = ${repositoryId} and id = ${id}`;
  return row ?? null;
}
