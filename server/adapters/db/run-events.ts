import type { Queryable } from './queryable.js';
import { STATUS } from './status.js';
import type { RaisedEvent, WaitBinding } from '../../core/waits/event-for-wait.js';
import type { Thread, ThreadRun } from '../../core/waits/reply-thread.js';

// run_events and run_waits (migration 0013): events raised for a run, and the waits of its workflow that receive
// them. Raising and waiting both lock the run's row first, so a raise and a wait of one run never bind concurrently.

/** Carries the id of a run an event was raised for; sent at commit. */
export const RUN_EVENTS_CHANNEL = 'plue_run_events';

export async function notifyRunEvent(db: Queryable, runId: number): Promise<void> {
  await db`select pg_notify(${RUN_EVENTS_CHANNEL}, ${String(runId)})`;
}

/** Locks the run's row until the transaction ends; null when the repository has no such run. */
export async function lockRunForEvents(db: Queryable, runId: number, repositoryId?: number): Promise<{ id: number; status: number } | null> {
  const [row] = await db<{ id: number; status: number }[]>`
    select id, status from workflow_runs
    where id = ${runId} ${repositoryId === undefined ? db`` : db`and repository_id = ${repositoryId}`}
    for no key update`;
  return row ?? null;
}

/**
 * The unfinished runs a reply in `thread` goes to, locked (id order) until the transaction ends: the runs the
 * thread started, and the runs waiting for the thread's kind with a filter on the same thread.
 */
export async function lockRunsInThread(db: Queryable, repositoryId: number, thread: Thread): Promise<ThreadRun[]> {
  const value = db.json(thread.value as never);
  return db<ThreadRun[]>`
    select r.id, r.run_number, r.workflow_name, r.workflow_path from workflow_runs r
    where r.repository_id = ${repositoryId} and r.status in (${STATUS.waiting}, ${STATUS.running}, ${STATUS.blocked})
      and ((r.trigger_event = ${thread.kind} and r.event_payload -> ${thread.field} = ${value})
        or exists (select 1 from run_waits w where w.run_id = r.id and w.name = ${thread.kind} and w.event_id is null
          and not w.timed_out and w.deadline > now() and w.filters -> ${thread.field} = ${value}))
    order by r.id
    for no key update of r`;
}

export interface RunEventRow extends RaisedEvent {
  idempotency_key: string | null;
  reply: Record<string, unknown>;
  created_at: Date;
}

export async function findRunEventByKey(db: Queryable, runId: number, key: string): Promise<RunEventRow | null> {
  const [row] = await db<RunEventRow[]>`
    select id, name, payload, idempotency_key, reply, created_at from run_events where run_id = ${runId} and idempotency_key = ${key}`;
  return row ?? null;
}

export async function insertRunEvent(
  db: Queryable,
  event: { repository_id: number; run_id: number; name: string; payload: unknown; idempotency_key: string | null; source: string },
): Promise<{ id: number; created_at: Date }> {
  const [row] = await db<{ id: number; created_at: Date }[]>`
    insert into run_events (repository_id, run_id, name, payload, idempotency_key, source, reply)
    values (${event.repository_id}, ${event.run_id}, ${event.name}, ${db.json((event.payload ?? null) as never)},
      ${event.idempotency_key}, ${event.source}, '{}')
    returning id, created_at`;
  return row!;
}

export async function saveRunEventReply(db: Queryable, eventId: number, reply: Record<string, unknown>): Promise<void> {
  await db`update run_events set reply = ${db.json(reply as never)} where id = ${eventId}`;
}

/** The run's events of one name, oldest first. */
export async function runEventsNamed(db: Queryable, runId: number, name: string): Promise<RaisedEvent[]> {
  return db<RaisedEvent[]>`select id, name, payload from run_events where run_id = ${runId} and name = ${name} order by id`;
}

export interface RunWaitRow {
  id: number;
  run_id: number;
  task_id: number;
  attempt: number;
  wait_key: string;
  name: string;
  filters: Record<string, unknown> | null;
  started_at: Date;
  deadline: Date;
  event_id: number | null;
  resolved_at: Date | null;
  timed_out: boolean;
  /** The deadline has passed (by the database's clock). */
  expired: boolean;
}

const WAIT_COLUMNS = 'id, run_id, task_id, attempt, wait_key, name, filters, started_at, deadline, event_id, resolved_at, timed_out, deadline <= now() as expired';

/** The wait of this key, recorded now (deadline `timeoutSeconds` from now) unless an earlier call recorded it. */
export async function recordRunWait(
  db: Queryable,
  wait: { run_id: number; task_id: number; wait_key: string; name: string; filters: Record<string, unknown> | null; timeout_seconds: number },
): Promise<RunWaitRow> {
  await db`
    insert into run_waits (run_id, task_id, attempt, wait_key, name, filters, deadline)
    values (${wait.run_id}, ${wait.task_id}, (select attempt from workflow_tasks where id = ${wait.task_id}), ${wait.wait_key}, ${wait.name},
      ${wait.filters === null ? null : db.json(wait.filters as never)}, now() + ${wait.timeout_seconds} * interval '1 second')
    on conflict (run_id, wait_key) do nothing`;
  const [row] = await db<RunWaitRow[]>`select ${db.unsafe(WAIT_COLUMNS)} from run_waits where run_id = ${wait.run_id} and wait_key = ${wait.wait_key}`;
  return row!;
}

/** The run's waits that have not received an event nor timed out, oldest first. */
export async function openRunWaits(db: Queryable, runId: number): Promise<RunWaitRow[]> {
  return db<RunWaitRow[]>`
    select ${db.unsafe(WAIT_COLUMNS)} from run_waits
    where run_id = ${runId} and event_id is null and not timed_out and deadline > now() order by id`;
}

export async function runWaitBindings(db: Queryable, runId: number): Promise<WaitBinding[]> {
  return db<WaitBinding[]>`select wait_key, event_id from run_waits where run_id = ${runId}`;
}

export async function bindRunWait(db: Queryable, waitId: number, eventId: number): Promise<void> {
  await db`update run_waits set event_id = ${eventId}, resolved_at = now() where id = ${waitId} and event_id is null`;
}

export async function markRunWaitTimedOut(db: Queryable, waitId: number): Promise<void> {
  await db`update run_waits set timed_out = true, resolved_at = coalesce(resolved_at, now()) where id = ${waitId} and event_id is null`;
}

export async function runEventById(db: Queryable, eventId: number): Promise<(RaisedEvent & { created_at: Date }) | null> {
  const [row] = await db<(RaisedEvent & { created_at: Date })[]>`select id, name, payload, created_at from run_events where id = ${eventId}`;
  return row ?? null;
}

/** SQL for the run JSON: what the run waits for right now, or null. */
export const WAITING_FOR_COLUMN = `case when status = ${STATUS.running} then (
    select json_build_object('name', w.name, 'since', w.started_at, 'until', w.deadline) from run_waits w
    where w.run_id = workflow_runs.id and w.event_id is null and not w.timed_out and w.deadline > now()
    order by w.id desc limit 1) end as waiting_for`;
