import type { Queryable } from './queryable.js';
import { FINISHED_STATUSES, STATUS, isFinishedStatus } from './status.js';
import { runStatusesFrom } from './commit-statuses.js';
import { runCommitStatus } from '../../core/status/commit-status.js';

// workflow_tasks as runners see them: claims, leases, final statuses, give-backs and expired leases.
// Every statement that acts for a runner carries the task's token hash, `status = running` and an unexpired lease
// in its WHERE: a runner that lost its lease matches no row and so changes nothing (fencing).

export interface ClaimedTask {
  id: number;
  attempt: number;
  job_id: number;
  job_name: string;
  run_id: number;
  run_number: number;
  repository_id: number;
  repository_owner: string;
  repository_name: string;
  ref: string;
  commit_sha: string;
  workflow_name: string;
  workflow_path: string;
  workflow_content: string;
  function_name: string;
  trigger_event: string;
  event_payload: Record<string, unknown>;
  /** The event whose context files the run gets (a re-run: its original run's). */
  event_id: number | null;
  lease_expires_at: Date;
}

export interface ClaimSlot {
  runnerId: number;
  /** The hash of the token the task gets. */
  tokenHash: string;
}

export interface ClaimRequest {
  /** Runners' labels; every slot claims with these. */
  labels: readonly string[];
  leaseSeconds: number;
  /** One task at most per slot: several runners with the same labels, or one runner taking several tasks. */
  slots: readonly ClaimSlot[];
}

/**
 * Takes the oldest waiting tasks whose job's `runs_on` labels are all among `labels`, one per slot, in ONE
 * statement: the rows are locked with SKIP LOCKED and updated in the same statement, so two claimers can never
 * take the same task, and a claimer that loses the race simply gets the next ones or none. Their jobs and runs
 * become running too (the runs locked in id order, the lock order of every writer), and each run sets its
 * "Running" commit status. A task of a run that is being cancelled is never handed out. Returns, in slot order,
 * each slot's task or null.
 *
 * The label and cancel test is a per-row scalar subquery rather than a join (or EXISTS, which the planner turns
 * into one) so that the plan stays a walk of the partial index on waiting tasks in id order that stops at the
 * first fits (once statistics show more than a handful waiting); the run is only looked at when the labels fit.
 */
const RUNNING = runCommitStatus({ status: 'running' });

export async function claimTasks(db: Queryable, claim: ClaimRequest): Promise<Array<ClaimedTask | null>> {
  return tasksBySlot(claim, await claimStatement(db, claim));
}

type SlottedTask = ClaimedTask & { slot: number };

/** The claim as a statement not yet sent (to send it with others in one trip; see `oneTripTransaction`). */
export function claimStatement(db: Queryable, claim: ClaimRequest) {
  // A literal, not a parameter: a cached generic plan can then walk the partial index on waiting tasks.
  const waiting = db.unsafe(String(STATUS.waiting));
  return db<SlottedTask[]>`
    with picked as (
      select t.id
      from workflow_tasks t
      where t.status = ${waiting}
        and (select ${db.json(claim.labels as string[])}::jsonb @> j.runs_on
            and (select r.cancel_requested_at is null from workflow_runs r where r.id = j.run_id)
          from workflow_jobs j where j.id = t.job_id)
      order by t.id
      limit ${claim.slots.length}
      for update skip locked
    ), slotted as (
      select p.id, s.slot, s.runner_id, s.token_hash
      from (select id, row_number() over (order by id) as n from picked) p
      join unnest(${claim.slots.map((s) => s.runnerId)}::bigint[], ${claim.slots.map((s) => s.tokenHash)}::text[])
        with ordinality as s(runner_id, token_hash, slot) on s.slot = p.n
    ), claimed as (
      update workflow_tasks t
      set status = ${STATUS.running}, runner_id = s.runner_id, token_hash = s.token_hash,
        lease_expires_at = now() + ${claim.leaseSeconds} * interval '1 second',
        started_at = now(), stopped_at = null, end_reason = null
      from slotted s where t.id = s.id
      returning t.id, s.slot, t.job_id, t.attempt, t.repository_id, t.commit_sha, t.workflow_content, t.workflow_path,
        t.function_name, t.lease_expires_at
    ), job as (
      update workflow_jobs j
      set status = ${STATUS.running}, attempt = c.attempt, started_at = coalesce(j.started_at, now()), stopped_at = null
      from claimed c where j.id = c.job_id
      returning j.id, j.run_id, j.name
    ), run_locks as materialized (
      select id from workflow_runs where id in (select run_id from job) order by id for no key update
    ), run as (
      update workflow_runs r
      set status = ${STATUS.running}, started_at = coalesce(r.started_at, now()), stopped_at = null
      from run_locks l where r.id = l.id
      returning r.id
    ), running_status as (
      ${runStatusesFrom(db, db`select id as run_id, ${RUNNING.state} as state, ${RUNNING.description} as description from run`)}
    )
    select c.id, c.slot, c.attempt, c.job_id, job.name as job_name, job.run_id, r.run_number, c.repository_id,
      p.owner as repository_owner, p.name as repository_name, r.ref, c.commit_sha, r.workflow_name, c.workflow_path,
      c.workflow_content, c.function_name, r.trigger_event, r.event_payload, c.lease_expires_at,
      coalesce(r.event_id, (select o.event_id from workflow_runs o where o.id = r.original_run_id)) as event_id
    from claimed c
    join job on job.id = c.job_id
    join workflow_runs r on r.id = job.run_id
    join repositories p on p.id = c.repository_id`;
}

/** Each slot's task, in slot order; null for a slot no task was left for. */
export function tasksBySlot(claim: ClaimRequest, rows: readonly SlottedTask[]): Array<ClaimedTask | null> {
  const bySlot: Array<ClaimedTask | null> = claim.slots.map(() => null);
  for (const { slot, ...task } of rows) bySlot[Number(slot) - 1] = task;
  return bySlot;
}

export interface TaskLease {
  run_id: number;
  lease_expires_at: Date;
  /** The run was asked to stop: the runner should stop the task and report `cancelled`. */
  cancelled: boolean;
}

/** Extends a held lease by `leaseSeconds` from now; null when the token does not hold a live lease on the task. */
export async function renewLease(
  db: Queryable,
  task: { id: number; tokenHash: string; leaseSeconds: number; startedAt?: Date | null },
): Promise<TaskLease | null> {
  const [row] = await db<TaskLease[]>`
    update workflow_tasks t
    set lease_expires_at = now() + ${task.leaseSeconds} * interval '1 second',
      started_at = greatest(t.started_at, least(now(), coalesce(${task.startedAt ?? null}::timestamptz, t.started_at)))
    from workflow_jobs j join workflow_runs r on r.id = j.run_id
    where t.id = ${task.id} and t.token_hash = ${task.tokenHash} and t.status = ${STATUS.running}
      and t.lease_expires_at > now() and j.id = t.job_id
    returning r.id as run_id, t.lease_expires_at, (r.cancel_requested_at is not null or r.status = ${STATUS.cancelled}) as cancelled`;
  return row ?? null;
}

/** Why an attempt ended (null while it has not). */
export type TaskEndReason = 'runner' | 'lease_expired' | 'cancelled' | 'external' | 'external_timeout';

export interface TaskProbe {
  status: number;
  runner_id: number | null;
  attempt: number;
  started_at: Date | null;
  stopped_at: Date | null;
  end_reason: TaskEndReason | null;
  lease_expires_at: Date | null;
  /** The task left its runner for an external system then. */
  handed_off_at: Date | null;
}

/** The task as its token's holder may see it, whatever its state; null when the token is not this task's. */
export async function probeTask(db: Queryable, id: number, tokenHash: string): Promise<TaskProbe | null> {
  const [row] = await db<TaskProbe[]>`
    select status, runner_id, attempt, started_at, stopped_at, end_reason, lease_expires_at, handed_off_at from workflow_tasks
    where id = ${id} and token_hash = ${tokenHash}`;
  return row ?? null;
}

/** Where the task's code is, for its lease holder: the repository on disk and the commit. */
export async function leasedTaskSource(db: Queryable, id: number, tokenHash: string): Promise<{ path: string; commit_sha: string } | null> {
  const [row] = await db<{ path: string; commit_sha: string }[]>`
    select p.path, t.commit_sha from workflow_tasks t join repositories p on p.id = t.repository_id
    where t.id = ${id} and t.token_hash = ${tokenHash} and t.status = ${STATUS.running} and t.lease_expires_at > now()`;
  return row ?? null;
}

export interface FinishedTask {
  id: number;
  token_hash: string;
  runner_id: number | null;
  job_id: number;
  attempt: number;
  status: number;
  started_at: Date | null;
  stopped_at: Date;
}

export interface FinishReport {
  id: number;
  tokenHash: string;
  status: number;
  startedAt: Date | null;
  stoppedAt: Date | null;
}

/**
 * Ends attempts with their runners' verdicts, any number in one statement; returns those it ended (a report whose
 * token holds no live lease matches nothing). Times are the runner's, kept between the claim and now (runner
 * clocks drift): started_at is where the claim put it or later, stopped_at after it and not in the future.
 */
export async function finishTasks(db: Queryable, reports: readonly FinishReport[]): Promise<FinishedTask[]> {
  return db<FinishedTask[]>`
    update workflow_tasks t
    set status = f.status, end_reason = 'runner',
      started_at = greatest(t.started_at, least(now(), coalesce(f."startedAt", t.started_at))),
      stopped_at = least(now(), greatest(coalesce(f."stoppedAt", now()),
        greatest(t.started_at, least(now(), coalesce(f."startedAt", t.started_at)))))
    from jsonb_to_recordset(${db.json(reports as never)})
      as f(id bigint, "tokenHash" text, status smallint, "startedAt" timestamptz, "stoppedAt" timestamptz)
    where t.id = f.id and t.id = any(${reports.map((r) => r.id)}::bigint[]) and t.token_hash = f."tokenHash" and t.status = ${STATUS.running} and t.lease_expires_at > now()
    returning t.id, t.token_hash, t.runner_id, t.job_id, t.attempt, t.status, t.started_at, t.stopped_at`;
}

/**
 * Gives a held task back: the same row and attempt return to waiting, without runner, token or logs, as if the
 * attempt had never started (a runner shutting down, or a claim whose client left before the reply).
 *
 * The run row is locked (after the task, the lock order) before `cancel_requested` is read, so a cancel request
 * is either seen here (the caller then cancels the task) or waits for this transaction and then finds the task
 * waiting and cancels it: never a waiting task left behind in a cancelled run.
 */
export async function releaseTask(
  db: Queryable,
  id: number,
  tokenHash: string,
): Promise<{ job_id: number; run_id: number; repository_id: number; cancel_requested: boolean } | null> {
  const [row] = await db<{ job_id: number; run_id: number; repository_id: number; cancel_requested: boolean }[]>`
    with held as materialized (
      select t.id, j.run_id from workflow_tasks t join workflow_jobs j on j.id = t.job_id
      where t.id = ${id} and t.token_hash = ${tokenHash} and t.status = ${STATUS.running} and t.lease_expires_at > now()
      for update of t
    ), run as materialized (
      select r.id, r.cancel_requested_at is not null as cancel_requested
      from workflow_runs r join held on r.id = held.run_id
      for no key update of r
    ), released as (
      update workflow_tasks t
      set status = ${STATUS.waiting}, runner_id = null, token_hash = null, lease_expires_at = null, started_at = null,
        stopped_at = null, log_lines = 0, log_bytes = 0, log_truncated = false
      from held join run on run.id = held.run_id
      where t.id = held.id
      returning t.id, t.job_id, run.id as run_id, t.repository_id, run.cancel_requested
    ), dropped as (
      delete from task_logs l using released where l.task_id = released.id
    )
    select job_id, run_id, repository_id, cancel_requested from released`;
  return row ?? null;
}

export interface ExpiredTask {
  id: number;
  job_id: number;
  run_id: number;
  repository_id: number;
  attempt: number;
  runner_id: number | null;
  /** The ended attempt's status: failure, or cancelled when its run was being cancelled. */
  status: number;
  /** The new waiting attempt, or null when none is allowed any more. */
  requeued_task_id: number | null;
}

/**
 * Ends up to `limit` attempts whose lease ran out and queues the next attempt of each (below `maxAttempts`, and
 * unless its run is being cancelled). SKIP LOCKED lets several replicas sweep at once without waiting on or
 * double-processing each other; a task whose runner is finishing it right now is left for the next sweep.
 *
 * The runs are locked (in id order, so sweepers never deadlock each other) before `cancel_requested_at` is read:
 * a cancel request that committed first is seen and the attempt is not retried; one that comes later waits for
 * this transaction and then cancels the new attempt, which is waiting by then.
 */
export async function expireLeases(db: Queryable, opts: { maxAttempts: number; limit: number }): Promise<ExpiredTask[]> {
  return db<ExpiredTask[]>`
    with expired as materialized (
      select t.id, j.run_id from workflow_tasks t join workflow_jobs j on j.id = t.job_id
      where t.status = ${STATUS.running} and t.lease_expires_at < now()
      order by t.lease_expires_at
      limit ${opts.limit}
      for update of t skip locked
    ), runs as materialized (
      select r.id, r.cancel_requested_at is not null as cancel_requested from workflow_runs r
      where r.id in (select run_id from expired)
      order by r.id
      for no key update of r
    ), ended as (
      update workflow_tasks t
      set status = case when runs.cancel_requested then ${STATUS.cancelled}::smallint else ${STATUS.failure}::smallint end,
        stopped_at = now(), end_reason = 'lease_expired'
      from expired e join runs on runs.id = e.run_id
      where t.id = e.id
      returning t.id, t.job_id, e.run_id, t.repository_id, t.attempt, t.runner_id, t.status, t.commit_sha,
        t.workflow_content, t.workflow_path, t.function_name
    ), requeued as (
      insert into workflow_tasks (job_id, attempt, status, repository_id, commit_sha, workflow_content, workflow_path, function_name)
      select job_id, attempt + 1, ${STATUS.waiting}, repository_id, commit_sha, workflow_content, workflow_path, function_name
      from ended where status = ${STATUS.failure} and attempt < ${opts.maxAttempts}
      returning id, job_id
    )
    select e.id, e.job_id, e.run_id, e.repository_id, e.attempt, e.runner_id, e.status, q.id as requeued_task_id
    from ended e left join requeued q on q.job_id = e.job_id
    order by e.id`;
}

/**
 * Cancels the run's tasks that have not started, and those handed off to an external system (no runner to tell);
 * returns their jobs. Running tasks learn it from heartbeats. Call it with the run row locked (see
 * `markRunCancelRequested`). A task locked by a claim or a completion in flight is skipped rather than waited for
 * (those wait for the run row: waiting here would deadlock): a claimed task's runner is told at its first
 * heartbeat; a completion reads the cancel under the run's lock, and the handoff sweep ends what is left.
 */
export async function cancelWaitingTasksOfRun(db: Queryable, runId: number): Promise<number[]> {
  const rows = await db<{ job_id: number }[]>`
    update workflow_tasks t
    set status = ${STATUS.cancelled}, stopped_at = now(), end_reason = 'cancelled'
    from (
      select w.id from workflow_tasks w join workflow_jobs j on j.id = w.job_id
      where j.run_id = ${runId}
        and (w.status in (${STATUS.waiting}, ${STATUS.blocked}) or (w.status = ${STATUS.running} and w.handed_off_at is not null))
      for update of w skip locked
    ) waiting
    where t.id = waiting.id
    returning t.job_id`;
  return [...new Set(rows.map((r) => r.job_id))];
}

/**
 * Marks the run as being cancelled, with its row locked until the transaction ends: sweeps and releases lock the
 * run before they decide to queue a task again, so they see the mark or are waited for. A finished run is left as
 * it is. The first reason given is kept. Returns the run's status, or null for an unknown run.
 *
 * Heartbeats held on any replica hear of it on `plue_cancels` (the run's id) when the transaction commits.
 */
export async function markRunCancelRequested(db: Queryable, runId: number, reason: string): Promise<{ status: number } | null> {
  const [row] = await db<{ status: number }[]>`
    with locked as materialized (
      select id, status from workflow_runs where id = ${runId} for no key update
    ), marked as (
      update workflow_runs r
      set cancel_requested_at = coalesce(r.cancel_requested_at, now()), cancel_reason = coalesce(r.cancel_reason, ${reason})
      from locked where r.id = locked.id and locked.status <> all(${FINISHED_STATUSES as number[]}::smallint[])
    )
    select status from locked`;
  if (row && !isFinishedStatus(row.status)) {
    await db`select pg_notify(${CANCELS_CHANNEL}, ${String(runId)})`;
  }
  return row ?? null;
}

/** Carries the id of a run asked to cancel; sent at commit. */
export const CANCELS_CHANNEL = 'plue_cancels';

export interface LeasedTaskRun {
  task_id: number;
  runner_id: number | null;
  run_id: number;
  /** The run's place in its chain of handoffs (see events.depth). */
  depth: number;
  ref: string;
  repository_id: number;
  event_id: number | null;
}

/** The run of a task, for its lease holder only (a dispatch from the task, its context files); null otherwise. */
export async function leasedTaskRun(db: Queryable, id: number, tokenHash: string): Promise<LeasedTaskRun | null> {
  const [row] = await db<LeasedTaskRun[]>`
    select t.id as task_id, t.runner_id, r.id as run_id, r.depth, r.ref, r.repository_id,
      -- A re-run has no event of its own: it hands on its original run's (context files).
      coalesce(r.event_id, (select o.event_id from workflow_runs o where o.id = r.original_run_id)) as event_id
    from workflow_tasks t join workflow_jobs j on j.id = t.job_id join workflow_runs r on r.id = j.run_id
    where t.id = ${id} and t.token_hash = ${tokenHash} and t.status = ${STATUS.running} and t.lease_expires_at > now()`;
  return row ?? null;
}
