import { STATUS } from './status.js';
import type { Queryable } from './queryable.js';
import type { QueueMode } from '../../core/concurrency/admission.js';
import { runCommitStatus, runContext, runTargetPath } from '../../core/status/commit-status.js';
import { insertCommitStatuses } from './commit-statuses.js';

// workflow_runs, workflow_jobs and workflow_tasks: what a matched workflow becomes.

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
 * commit, in five statements whatever their number. Run numbers are consecutive, taken from the repository's
 * counter row. Every way of making a run (the trigger, a dispatch, a re-run) comes through here.
 */
export async function createRuns(db: Queryable, repositoryId: number, runs: NewRun[]): Promise<CreatedRun[]> {
  if (runs.length === 0) return [];
  const [counter] = await db<{ first: number }[]>`
    update repository_counters set next_run_number = next_run_number + ${runs.length}
    where repository_id = ${repositoryId}
    returning next_run_number - ${runs.length} as first`;
  if (!counter) throw new Error(`repository ${repositoryId} has no run counter`);
  const rows = runs.map((run, i) => ({
    ...run, repository_id: repositoryId, run_number: counter.first + i, parent_run_id: run.parent_run_id ?? null, depth: run.depth ?? 0,
  }));
  const inserted = await db<{ id: number; run_number: number }[]>`
    insert into workflow_runs
      (repository_id, workflow_definition_id, run_number, title, trigger_event, trigger_user_id, event_payload,
       ref, commit_sha, status, concurrency_group, concurrency_cancel, concurrency_queue, event_id, workflow_path, workflow_name,
       function_name, parent_run_id, depth)
    select repository_id, workflow_definition_id, run_number, title, trigger_event, trigger_user_id, event_payload,
      ref, commit_sha, ${STATUS.waiting}, concurrency_group, concurrency_cancel, concurrency_queue, event_id, workflow_path,
      workflow_name, function_name, parent_run_id, depth
    from jsonb_to_recordset(${db.json(rows as never)}) as r(
      repository_id bigint, workflow_definition_id bigint, run_number bigint, title text, trigger_event text,
      trigger_user_id bigint, event_payload jsonb, ref text, commit_sha text, concurrency_group text,
      concurrency_cancel boolean, concurrency_queue text, event_id bigint, workflow_path text, workflow_name text, function_name text,
      parent_run_id bigint, depth integer)
    order by run_number
    returning id, run_number`;
  const runIds = new Map(inserted.map((r) => [r.run_number, r.id]));
  const jobRows = rows.map((r) => ({ run_id: runIds.get(r.run_number)!, name: r.workflow_name, job_id: r.function_name, runs_on: r.runs_on }));
  const jobs = await db<{ id: number; run_id: number }[]>`
    insert into workflow_jobs (run_id, repository_id, name, job_id, runs_on, status)
    select run_id, ${repositoryId}, name, job_id, runs_on, ${STATUS.waiting}
    from jsonb_to_recordset(${db.json(jobRows as never)}) as j(run_id bigint, name text, job_id text, runs_on jsonb)
    returning id, run_id`;
  const jobIds = new Map(jobs.map((j) => [j.run_id, j.id]));
  const taskRows = rows.map((r) => ({
    job_id: jobIds.get(runIds.get(r.run_number)!)!, commit_sha: r.commit_sha, workflow_content: r.workflow_content,
    workflow_path: r.workflow_path, function_name: r.function_name,
  }));
  const tasks = await db<{ id: number; job_id: number }[]>`
    insert into workflow_tasks (job_id, repository_id, status, commit_sha, workflow_content, workflow_path, function_name)
    select job_id, ${repositoryId}, ${STATUS.waiting}, commit_sha, workflow_content, workflow_path, function_name
    from jsonb_to_recordset(${db.json(taskRows as never)}) as t(
      job_id bigint, commit_sha text, workflow_content text, workflow_path text, function_name text)
    returning id, job_id`;
  const taskIds = new Map(tasks.map((t) => [t.job_id, t.id]));
  const waiting = runCommitStatus({ status: 'waiting' });
  await insertCommitStatuses(db, rows.map((r) => ({
    repository_id: repositoryId, sha: r.commit_sha, context: runContext(r.workflow_name, r.trigger_event), ...waiting,
    run_id: runIds.get(r.run_number)!, target_path: runTargetPath(runIds.get(r.run_number)!),
  })));
  return rows.map((r) => {
    const runId = runIds.get(r.run_number)!;
    const jobId = jobIds.get(runId)!;
    return { run_id: runId, run_number: r.run_number, job_id: jobId, task_id: taskIds.get(jobId)! };
  });
}

export const TASKS_CHANNEL = 'plue_tasks';

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
