import { randomUUID } from 'node:crypto';
import type postgres from 'postgres';
import type { CommitWith } from './pipelined-transaction.js';
import type { Queryable } from './queryable.js';
import type { Chain } from '../../core/trigger/chain.js';
import { auditRowsOf, recordAudit } from './audit.js';
import type { AuditActor } from './audit.js';

// events: the durable record of everything received. A second delivery of the same thing has the
// same dedup key and is dropped by the unique constraint, unless the first one ended `failed`: the key holds only
// once the event's runs are committed, so a redelivery after a failure is tried again (re-opened), never dropped.
// Every event that ends `failed` (a dead letter) and every re-opened one is audited in the same transaction.

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

export interface RecordedEvent {
  id: number;
  /** A failed event with the same key and content, put back to pending (attempts reset) by this delivery. */
  reopened: boolean;
}

/**
 * Records the event, or re-opens a failed one recorded under the same key with the same kind and payload (a
 * redelivery after a failure, audited `event.retried`). Null when an event with the key is pending or processed,
 * or holds something else. Give it a transaction: a re-opening and its audit row go together.
 */
export async function recordOrReopenEvent(db: Queryable, event: NewEvent): Promise<RecordedEvent | null> {
  // From its text, a payload keeps numbers JavaScript cannot hold. `::text` first: a parameter typed jsonb would
  // be sent as JSON, and the text would become one JSON string.
  const payload = () => db`${event.payloadText ?? '{}'}::text::jsonb || ${JSON.stringify(event.payload)}::text::jsonb`;
  // One statement, so that a caller can send COMMIT behind it: the re-opening needs no second trip.
  const [row] = await db<{ id: number; reopened: boolean }[]>`
    with inserted as (
      insert into events (repository_id, kind, dedup_key, payload, source, parent_run_id, depth)
      values (${event.repository_id}, ${event.kind}, ${event.dedup_key}, ${payload()}, ${event.source},
        ${event.chain?.parent_run_id ?? null}, ${event.chain?.depth ?? 0})
      on conflict (repository_id, dedup_key) do nothing
      returning id
    ), ${reopening(db, db`repository_id = ${event.repository_id} and dedup_key = ${event.dedup_key} and kind = ${event.kind}
      and payload = ${payload()} and not exists (select 1 from inserted)`, { service: event.source }, 'redelivered')}
    select id, false as reopened from inserted
    union all
    select id, true as reopened from reopened`;
  return row ?? null;
}

/** Returns the id of the event now pending (new, or re-opened: see recordOrReopenEvent), or null for a duplicate. */
export async function recordEvent(db: Queryable, event: NewEvent): Promise<number | null> {
  return (await recordOrReopenEvent(db, event))?.id ?? null;
}

/**
 * The CTEs (`old`, `reopened`, `audited`) that put the one failed event `where` selects back to pending, as if new
 * (attempts 0, due at once; its last error stays until it is processed), and audit it: `reopened` holds its id.
 */
function reopening(db: Queryable, where: postgres.PendingQuery<postgres.Row[]>, actor: AuditActor, reason: 'redelivered' | 'by_hand') {
  return db`old as (
      select id, repository_id, attempts, last_error from events where ${where} and status = 'failed' for update
    ), reopened as (
      update events e set status = 'pending', attempts = 0, next_attempt_at = null, processed_at = null
      from old where e.id = old.id
      returning e.id
    ), audited as (${auditRowsOf(db, 'event.retried', actor, db`
      select repository_id, jsonb_build_object('event_id', id) as subject,
        jsonb_build_object('reason', ${reason}::text, 'previous_error', last_error, 'previous_attempts', attempts) as detail
      from old`)})`;
}

/**
 * A person retries a dead letter: 'retried', or why not ('not_found'; 'not_failed' with the event's status).
 */
export async function retryFailedEvent(
  db: Queryable, repositoryId: number, id: number, actor: AuditActor,
): Promise<{ outcome: 'retried' } | { outcome: 'not_found' } | { outcome: 'not_failed'; status: string }> {
  const [current] = await db<{ status: string }[]>`
    select status from events where repository_id = ${repositoryId} and id = ${id} for update`;
  if (!current) return { outcome: 'not_found' };
  if (current.status !== 'failed') return { outcome: 'not_failed', status: current.status };
  await db`with ${reopening(db, db`id = ${id}`, actor, 'by_hand')} select id from reopened`;
  return { outcome: 'retried' };
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

/** Repositories that have pending events due now (not waiting for a retry), oldest first. */
export async function repositoriesWithPendingEvents(db: Queryable, limit = 1000): Promise<number[]> {
  const rows = await db<{ repository_id: number }[]>`
    select repository_id from events where status = 'pending' and (next_attempt_at is null or next_attempt_at <= clock_timestamp())
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
 * an attempt that never finishes (a crash, a kill, a lost database) still counts, and sets when it may be tried
 * again should it not finish (`retryDelayMs` of its attempt number). An event whose attempts are all used and that
 * is still pending is dead-lettered here. Events stay in order: nothing starts while the oldest pending event
 * waits for its retry time, and an event retried after an attempt goes alone, so one event that brings the service
 * down cannot use up the attempts of the events after it. Returns the ids to work on, oldest first.
 */
export async function startEventAttempts(
  db: Queryable, // statements are pipelined: a transaction or a reserved connection, never the pool
  repositoryId: number,
  limit: number,
  maxAttempts: number,
  retryDelayMs: (attempt: number) => number,
  commitWith?: CommitWith,
): Promise<number[]> {
  // Sent together (one round trip): the select is a statement of its own, so it no longer sees the events failed here.
  const [exhausted, pending] = await Promise.all([
    db<DeadLetter[]>`
      update events set status = 'failed', processed_at = now(),
        last_error = concat_ws('; ', last_error, ${`gave up after ${maxAttempts} attempts: the last one did not finish`}::text)
      where repository_id = ${repositoryId} and status = 'pending' and attempts >= ${maxAttempts}
      returning id, repository_id, kind, attempts, last_error`,
    db<{ id: number; attempts: number; due: boolean }[]>`
      select id, attempts, next_attempt_at is null or next_attempt_at <= clock_timestamp() as due
      from events where repository_id = ${repositoryId} and status = 'pending' order by id limit ${limit}`,
  ]);
  await auditDeadLetters(db, exhausted, 'attempts_used');
  const first = pending[0];
  if (first === undefined || !first.due) return [];
  const rest = pending.slice(1);
  const cut = rest.findIndex((e) => e.attempts > 0 || !e.due);
  const batch = first.attempts > 0 ? [first] : [first, ...(cut === -1 ? rest : rest.slice(0, cut))];
  const ids = batch.map((e) => e.id);
  const delays = batch.map((e) => retryDelayMs(e.attempts + 1));
  await Promise.all([
    db`
      update events e set attempts = e.attempts + 1, next_attempt_at = clock_timestamp() + d.ms * interval '1 millisecond'
      from unnest(${ids}::bigint[], ${delays}::float8[]) as d(id, ms)
      where e.id = d.id`,
    commitWith?.(),
  ]);
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
  await markEventsProcessed(db, [{ id, result }]);
}

/** Marks events processed with their results, in one statement. */
export async function markEventsProcessed(db: Queryable, events: ReadonlyArray<{ id: number; result: Record<string, unknown> }>): Promise<void> {
  await db`
    update events e set status = 'processed', processed_at = now(), last_error = null, result = r.result
    from jsonb_to_recordset(${db.json(events as never)}) as r(id bigint, result jsonb)
    where e.id = r.id`;
}

/**
 * Records why the event's attempt (counted when it started) failed. A transient failure is tried again after
 * `retryDelayMs`; with its attempts used up, or when trying again cannot help (`permanent`), the event is
 * dead-lettered: `failed`, audited. Returns what became of it.
 */
export async function markEventAttemptFailed(
  db: Queryable,
  id: number,
  failure: { error: string; permanent: boolean; retryDelayMs: number },
  maxAttempts: number,
): Promise<'failed' | 'retry'> {
  const giveUp = db`(attempts >= ${maxAttempts} or ${failure.permanent}::boolean)`;
  const [row] = await db<(DeadLetter & { status: string })[]>`
    update events set last_error = ${failure.error.slice(0, 4000)},
      status = case when ${giveUp} then 'failed' else status end,
      processed_at = case when ${giveUp} then now() else processed_at end,
      next_attempt_at = case when ${giveUp} then null else clock_timestamp() + ${failure.retryDelayMs} * interval '1 millisecond' end
    where id = ${id} and status = 'pending'
    returning id, repository_id, kind, attempts, last_error, status`;
  if (row?.status !== 'failed') return 'retry';
  await auditDeadLetters(db, [row], failure.permanent ? 'permanent' : 'attempts_used');
  return 'failed';
}

/** Gives back the attempts of started events that were not reached (an earlier event of their batch failed). */
export async function refundEventAttempts(db: Queryable, ids: readonly number[]): Promise<void> {
  if (ids.length > 0) {
    await db`update events set attempts = attempts - 1, next_attempt_at = null where id = any(${ids as number[]}::bigint[]) and status = 'pending'`;
  }
}

interface DeadLetter {
  id: number;
  repository_id: number;
  kind: EventKind;
  attempts: number;
  last_error: string | null;
}

async function auditDeadLetters(db: Queryable, events: readonly DeadLetter[], reason: 'permanent' | 'attempts_used'): Promise<void> {
  for (const event of events) {
    await recordAudit(db, {
      repository_id: event.repository_id, kind: 'event.dead_lettered', actor: { service: 'trigger' },
      subject: { event_id: event.id, kind: event.kind }, detail: { error: event.last_error, attempts: event.attempts, reason },
    });
  }
}

export interface EventOutcomeRow {
  id: number;
  kind: EventKind;
  payload: Record<string, unknown>;
  status: 'pending' | 'processed' | 'failed';
  source: string;
  attempts: number;
  result: Record<string, unknown> | null;
  last_error: string | null;
  received_at: Date;
  processed_at: Date | null;
  /** A pending event waiting for its retry: when it is tried again. */
  next_attempt_at: Date | null;
}

const OUTCOME_COLUMNS = 'id, kind, payload, status, source, attempts, result, last_error, received_at, processed_at, next_attempt_at';

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

export async function findEventsOf(db: Queryable, repositoryId: number, ids: readonly number[]): Promise<EventOutcomeRow[]> {
  return db<EventOutcomeRow[]>`
    select ${db.unsafe(OUTCOME_COLUMNS)} from events where repository_id = ${repositoryId} and id = any(${ids as number[]}::bigint[]) order by id`;
}

/** How far back (in the repository's events) the push event of a ref update is looked for. */
const RECENT_EVENTS = 1000;

/**
 * The push event that moved each ref to its new value, whichever door recorded it: the newest among the
 * repository's recent events. A ref update no event recorded (folded into a later one, past the push's budget)
 * is left out.
 */
export async function pushEventsFor(
  db: Queryable,
  repositoryId: number,
  updates: ReadonlyArray<{ ref: string; after: string }>,
): Promise<Array<{ ref: string; event_id: number }>> {
  if (updates.length === 0) return [];
  return db<Array<{ ref: string; event_id: number }>>`
    select distinct on (u.ref) u.ref, recent.id as event_id
    from unnest(${updates.map((u) => u.ref)}::text[], ${updates.map((u) => u.after)}::text[]) as u(ref, after)
    join (select id, payload from events where repository_id = ${repositoryId} and kind = 'push' order by id desc limit ${RECENT_EVENTS}) recent
      on recent.payload->>'ref' = u.ref and recent.payload->>'after' = u.after
    order by u.ref, recent.id desc`;
}

/** Of these refs, the one whose first push event came first (null when none has one). */
export async function firstPushedRef(db: Queryable, repositoryId: number, refs: readonly string[]): Promise<string | null> {
  if (refs.length === 0) return null;
  const [row] = await db<{ ref: string }[]>`
    select payload->>'ref' as ref from events
    where repository_id = ${repositoryId} and kind = 'push' and payload->>'ref' = any(${refs as string[]}::text[])
    order by id limit 1`;
  return row?.ref ?? null;
}

/** A page of the repository's events, newest first, optionally only those in one status (`failed`: the dead letters). */
export async function pageEvents(
  db: Queryable,
  repositoryId: number,
  filter: { status?: EventRow['status'] },
  page: { limit: number; offset: number },
): Promise<{ rows: EventOutcomeRow[]; total: number }> {
  const where = db`repository_id = ${repositoryId} ${filter.status === undefined ? db`` : db`and status = ${filter.status}`}`;
  const [rows, count] = await Promise.all([
    db<EventOutcomeRow[]>`select ${db.unsafe(OUTCOME_COLUMNS)} from events where ${where} order by id desc limit ${page.limit} offset ${page.offset}`,
    db<{ n: number }[]>`select count(*)::int as n from events where ${where}`,
  ]);
  return { rows, total: count[0]?.n ?? 0 };
}
