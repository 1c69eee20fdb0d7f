import { STATUS } from './status.js';
import type { Queryable } from './queryable.js';
import { takeRunNumber } from './repositories.js';

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
}

export interface CreatedRun {
  run_id: number;
  run_number: number;
  job_id: number;
  task_id: number;
}

/** Inserts one run with its one job and one waiting task. Call inside the caller's transaction. */
export async function createRun(db: Queryable, run: NewRun): Promise<CreatedRun> {
  const runNumber = await takeRunNumber(db, run.repository_id);
  const [runRow] = await db<{ id: number }[]>`
    insert into workflow_runs
      (repository_id, workflow_definition_id, run_number, title, trigger_event, trigger_user_id, event_payload,
       ref, commit_sha, status, concurrency_group, concurrency_cancel, event_id, workflow_path, workflow_name, function_name)
    values (${run.repository_id}, ${run.workflow_definition_id}, ${runNumber}, ${run.title}, ${run.trigger_event},
      ${run.trigger_user_id}, ${db.json(run.event_payload as never)}, ${run.ref}, ${run.commit_sha}, ${STATUS.waiting},
      ${run.concurrency_group}, ${run.concurrency_cancel}, ${run.event_id}, ${run.workflow_path}, ${run.workflow_name},
      ${run.function_name})
    returning id`;
  const runId = runRow!.id;
  const [jobRow] = await db<{ id: number }[]>`
    insert into workflow_jobs (run_id, repository_id, name, job_id, runs_on, status)
    values (${runId}, ${run.repository_id}, ${run.workflow_name}, ${run.function_name}, ${db.json(run.runs_on)}, ${STATUS.waiting})
    returning id`;
  const jobId = jobRow!.id;
  const [taskRow] = await db<{ id: number }[]>`
    insert into workflow_tasks
      (job_id, repository_id, status, commit_sha, workflow_content, workflow_path, function_name)
    values (${jobId}, ${run.repository_id}, ${STATUS.waiting}, ${run.commit_sha}, ${run.workflow_content},
      ${run.workflow_path}, ${run.function_name})
    returning id`;
  return { run_id: runId, run_number: runNumber, job_id: jobId, task_id: taskRow!.id };
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
