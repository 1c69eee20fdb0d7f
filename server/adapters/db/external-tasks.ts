import type { Queryable } from './queryable.js';
import { STATUS } from './status.js';

// workflow_tasks handed off to an external system (migrations/0012_external_tasks.sql): the handoff by the task's
// lease holder, the completion by the holder of the completion token, and the end of those past their deadline.
// A handed-off task is `running` with `handed_off_at` set and no lease: every call made with the task token is
// fenced by `lease_expires_at > now()`, and the lease sweep (`lease_expires_at < now()`) never sees it.

export interface HandedOffTask {
  id: number;
  job_id: number;
  run_id: number;
  handed_off_at: Date;
  external_deadline: Date;
}

/**
 * Takes the task from its runner, in one statement fenced like every runner call: only the token's live lease
 * matches. Null when it does not (nothing changed).
 */
export async function handOffTask(
  db: Queryable,
  task: { id: number; tokenHash: string; externalRef: string | null; completionTokenHash: string; timeoutSeconds: number },
): Promise<HandedOffTask | null> {
  const [row] = await db<HandedOffTask[]>`
    update workflow_tasks t
    set handed_off_at = now(), lease_expires_at = null, external_ref = ${task.externalRef},
      completion_token_hash = ${task.completionTokenHash},
      external_deadline = now() + ${task.timeoutSeconds} * interval '1 second'
    from workflow_jobs j
    where t.id = ${task.id} and t.token_hash = ${task.tokenHash} and t.status = ${STATUS.running}
      and t.lease_expires_at > now() and j.id = t.job_id
    returning t.id, t.job_id, j.run_id, t.handed_off_at, t.external_deadline`;
  return row ?? null;
}

export interface ExternalTaskState {
  id: number;
  job_id: number;
  run_id: number;
  status: number;
  end_reason: string | null;
  stopped_at: Date | null;
  /** The stored output equals the one given (for a repeated completion). */
  same_output: boolean;
  /** The task's run is being cancelled (read under the run's lock while the task waits). */
  cancel_requested: boolean;
}

/**
 * Locks a handed-off task for its completion, then its run (the lock order: task, then run) to read whether the
 * run is being cancelled. Null when no handed-off task has this id and completion token.
 */
export async function lockExternalTask(db: Queryable, id: number, completionTokenHash: string, outputJson: string): Promise<ExternalTaskState | null> {
  const [task] = await db<Array<Omit<ExternalTaskState, 'cancel_requested'>>>`
    select t.id, t.job_id, j.run_id, t.status, t.end_reason, t.stopped_at,
      t.external_output is not distinct from ${outputJson}::text::jsonb as same_output
    from workflow_tasks t join workflow_jobs j on j.id = t.job_id
    where t.id = ${id} and t.completion_token_hash = ${completionTokenHash} and t.handed_off_at is not null
    for update of t`;
  if (!task) return null;
  if (task.status !== STATUS.running) return { ...task, cancel_requested: false };
  const [run] = await db<{ cancel_requested: boolean }[]>`
    select cancel_requested_at is not null as cancel_requested from workflow_runs where id = ${task.run_id} for no key update`;
  return { ...task, cancel_requested: run?.cancel_requested ?? false };
}

/** Ends a locked, still waiting handed-off task. */
export async function endExternalTask(
  db: Queryable,
  task: { id: number; status: number; endReason: 'external' | 'cancelled'; outputJson: string | null },
): Promise<{ stopped_at: Date }> {
  const [row] = await db<{ stopped_at: Date }[]>`
    update workflow_tasks
    set status = ${task.status}, end_reason = ${task.endReason}, stopped_at = now(),
      external_output = ${task.outputJson}::text::jsonb
    where id = ${task.id} and status = ${STATUS.running} and handed_off_at is not null
    returning stopped_at`;
  if (!row) throw new Error(`task ${task.id} is not a waiting handed-off task (lock it first)`);
  return row;
}

export interface OverdueTask {
  id: number;
  job_id: number;
  run_id: number;
  external_ref: string | null;
  /** failure (its deadline passed) or cancelled (its run is being cancelled). */
  status: number;
}

/**
 * Ends up to `limit` handed-off tasks whose deadline has passed (failure, `external_timeout`), or whose run is being
 * cancelled (cancelled: a cancel skips a task that a completion has locked, and that completion may roll back).
 * SKIP LOCKED: several replicas sweep at once, and a task being completed right now is left to its completion.
 */
export async function endOverdueHandoffs(db: Queryable, limit: number): Promise<OverdueTask[]> {
  return db<OverdueTask[]>`
    with overdue as materialized (
      select t.id, j.run_id, r.cancel_requested_at is not null as cancel_requested
      from workflow_tasks t join workflow_jobs j on j.id = t.job_id join workflow_runs r on r.id = j.run_id
      where t.status = ${STATUS.running} and t.handed_off_at is not null
        and (t.external_deadline < now() or r.cancel_requested_at is not null)
      order by t.external_deadline
      limit ${limit}
      for update of t skip locked
    )
    update workflow_tasks t
    set status = case when o.cancel_requested then ${STATUS.cancelled}::smallint else ${STATUS.failure}::smallint end,
      end_reason = case when o.cancel_requested then 'cancelled' else 'external_timeout' end, stopped_at = now()
    from overdue o
    where t.id = o.id
    returning t.id, t.job_id, o.run_id, t.external_ref, t.status`;
}
