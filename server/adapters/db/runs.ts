import { STATUS } from './status.js';
import type { Queryable } from './queryable.js';
import type { QueueMode } from '../../core/concurrency/admission.js';
import { RUN_TARGET_PREFIX, runCommitStatus, runContext } from '../../core/status/commit-status.js';

// workflow_runs, workflow_jobs and workflow_tasks: what a matched workflow becomes.

export const TASKS_CHANNEL = 'plue_tasks';

export interface NewRun {
  repository_id: number;
  event_id: number | null;
  workflow_definition_id: number | null;
  workflow_name: string;
  workflow_path: string;
  function_name: string;
  workflow_content: string;
  title: string;
  trigger_event: string;
  trigger_user_id: number | null;
  event_payload: Record<string, unknown>;
  ref: string;
  commit_sha: string;
  runs_on: string[];
  concurrency_group: string | null;
  concurrency_cancel: boolean;
  concurrency_queue: QueueMode;
  /** The run whose handoff made this one (see EventRow); absent: none, depth 0. */
  parent_run_id?: number | null;
  depth?: number;
}

export interface CreatedRun {
  run_id: number;
  run_number: number;
  job_id: number;
  task_id: number;
}

/** Inserts one run with its one job and one waiting task. Call inside the caller's transaction. */
export async function createRun(db: Queryable, run: NewRun): Promise<CreatedRun> {
  return (await createRuns(db, run.repository_id, [run]))[0]!;
}

/**
 * Inserts runs of one repository, each with one job and one waiting task and the pending status it sets on its
 * commit, and wakes the runners waiting for work when the caller's transaction commits: one statement whatever
 * their number (a push's runs cost one round trip). Run numbers are consecutive, taken from the repository's
 * counter row. Every way of making a run (the trigger, a dispatch, a re-run) comes through here.
 */
export async function createRuns(db: Queryable, repositoryId: number, runs: NewRun[]): Promise<CreatedRun[]> {
  if (runs.length === 0) return [];
  const waiting = runCommitStatus({ status: 'waiting' });
  const rows = runs.map((run, i) => ({
    i, workflow_definition_id: run.workflow_definition_id, title: run.title, trigger_event: run.trigger_event,
    trigger_user_id: run.trigger_user_id, event_payload: run.event_payload, ref: run.ref, commit_sha: run.commit_sha,
    concurrency_group: run.concurrency_group, concurrency_cancel: run.concurrency_cancel, concurrency_queue: run.concurrency_queue,
    event_id: run.event_id, workflow_path: run.workflow_path, workflow_name: run.workflow_name, function_name: run.function_name,
    parent_run_id: run.parent_run_id ?? null, depth: run.depth ?? 0, runs_on: run.runs_on, workflow_content: run.workflow_content,
    status_context: runContext(run.workflow_name, run.trigger_event),
  }));
  // The counter row's lock serialises concurrent takers of run numbers. The job, task and status rows find their
  // run by its number; all of it commits (or not) with the caller's transaction.
  const created = await db<CreatedRun[]>`
    with input as (
      select * from jsonb_to_recordset(${db.json(rows as never)}) as r(
        i integer, workflow_definition_id bigint, title text, trigger_event text, trigger_user_id bigint, event_payload jsonb,
        ref text, commit_sha text, concurrency_group text, concurrency_cancel boolean, concurrency_queue text, event_id bigint,
        workflow_path text, workflow_name text, function_name text, parent_run_id bigint, depth integer, runs_on jsonb,
        workflow_content text, status_context text)
    ), counter as (
      update repository_counters set next_run_number = next_run_number + ${runs.length}
      where repository_id = ${repositoryId}
      returning next_run_number - ${runs.length} as first
    ), new_runs as (
      insert into workflow_runs
        (repository_id, workflow_definition_id, run_number, title, trigger_event, trigger_user_id, event_payload,
         ref, commit_sha, status, concurrency_group, concurrency_cancel, concurrency_queue, event_id, workflow_path, workflow_name,
         function_name, parent_run_id, depth)
      select ${repositoryId}, r.workflow_definition_id, c.first + r.i, r.title, r.trigger_event, r.trigger_user_id, r.event_payload,
        r.ref, r.commit_sha, ${STATUS.waiting}, r.concurrency_group, r.concurrency_cancel, r.concurrency_queue, r.event_id,
        r.workflow_path, r.workflow_name, r.function_name, r.parent_run_id, r.depth
      from input r cross join counter c
      order by r.i
      returning id, run_number
    ), numbered as (
      select n.id as run_id, n.run_number, r.*
      from new_runs n cross join counter c join input r on n.run_number = c.first + r.i
    ), new_jobs as (
      insert into workflow_jobs (run_id, repository_id, name, job_id, runs_on, status)
      select run_id, ${repositoryId}, workflow_name, function_name, runs_on, ${STATUS.waiting} from numbered order by run_number
      returning id, run_id
    ), new_tasks as (
      insert into workflow_tasks (job_id, repository_id, status, commit_sha, workflow_content, workflow_path, function_name)
      select j.id, ${repositoryId}, ${STATUS.waiting}, n.commit_sha, n.workflow_content, n.workflow_path, n.function_name
      from new_jobs j join numbered n on n.run_id = j.run_id
      order by n.run_number
      returning id, job_id
    ), woken as (
      select pg_notify(${TASKS_CHANNEL}, ${String(repositoryId)})
    ), new_statuses as (
      insert into commit_statuses (repository_id, sha, context, state, description, run_id, target_path)
      select ${repositoryId}, commit_sha, status_context, ${waiting.state}, ${waiting.description}, run_id, ${RUN_TARGET_PREFIX}::text || run_id
      from numbered order by run_number
    )
    select n.run_id, n.run_number, j.id as job_id, t.id as task_id
    from numbered n join new_jobs j on j.run_id = n.run_id join new_tasks t on t.job_id = j.id cross join woken
    order by n.run_number`;
  if (created.length !== runs.length) throw new Error(`repository ${repositoryId} has no run counter`);
  return created;
}

/** Wakes runners waiting for work; delivered when the caller's transaction commits. */
export async function notifyTasksWaiting(db: Queryable, repositoryId: number): Promise<void> {
  await db`select pg_notify(${TASKS_CHANNEL}, ${String(repositoryId)})`;
}

export interface RunListRow {
  id: number;
  run_number: number;
  workflow_definition_id: number | null;
  workflow_name: string;
  workflow_path: string;
  trigger_event: string;
  ref: string;
  commit_sha: string;
  status: number;
  title: string;
  created_at: Date;
}

export async function listRuns(
  db: Queryable,
  repositoryId: number,
  page: { limit: number; offset: number },
): Promise<{ runs: RunListRow[]; total: number }> {
  const runs = await db<RunListRow[]>`
    select id, run_number, workflow_definition_id, workflow_name, workflow_path, trigger_event, ref, commit_sha,
      status, title, created_at
    from workflow_runs where repository_id = ${repositoryId}
    order by id desc limit ${page.limit} offset ${page.offset}`;
  const [count] = await db<{ n: number }[]>`
    select count(*)::int as n from workflow_runs where repository_id = ${repositoryId}`;
  return { runs, total: count?.n ?? 0 };
}
