import type { NewRun } from './runs.js';
import type { Queryable } from './queryable.js';

// workflow_runs made by re-running another run: the original's commit, workflow source and payload again.

export interface RerunSource {
  /** The run to re-run, as a new run's fields (without the job's labels and the task's source, added below). */
  run: Omit<NewRun, 'runs_on' | 'workflow_content' | 'event_id' | 'trigger_user_id'> & { id: number; status: number };
  runs_on: string[];
  /** The workflow source its task ran, or null when it has no task. */
  workflow_content: string | null;
  /** First run of the chain, and the attempt number the new run gets. */
  original_run_id: number;
  next_attempt: number;
}

/**
 * Locks the run and the first run of its chain (whose row lock numbers the attempts), and reads what a re-run
 * copies. Null when the repository has no such run.
 */
export async function lockRunForRerun(db: Queryable, repositoryId: number, runId: number): Promise<RerunSource | null> {
  const [run] = await db<Array<RerunSource['run'] & { original_run_id: number | null }>>`
    select id, status, repository_id, workflow_definition_id, workflow_name, workflow_path, function_name, title,
      trigger_event, event_payload, ref, commit_sha, concurrency_group, concurrency_cancel, concurrency_queue, original_run_id
    from workflow_runs where id = ${runId} and repository_id = ${repositoryId}
    for update`;
  if (!run) return null;
  const { original_run_id: original, ...fields } = run;
  const root = original ?? run.id;
  if (root !== run.id) await db`select id from workflow_runs where id = ${root} for update`;
  const [facts] = await db<{ next_attempt: number; runs_on: string[] | null; workflow_content: string | null }[]>`
    select
      (select coalesce(max(run_attempt), 1) + 1 from workflow_runs where id = ${root} or original_run_id = ${root}) as next_attempt,
      (select runs_on from workflow_jobs where run_id = ${runId} order by id limit 1) as runs_on,
      (select t.workflow_content from workflow_tasks t join workflow_jobs j on j.id = t.job_id
        where j.run_id = ${runId} order by t.id desc limit 1) as workflow_content`;
  return {
    run: fields,
    runs_on: facts?.runs_on ?? [],
    workflow_content: facts?.workflow_content ?? null,
    original_run_id: root,
    next_attempt: facts?.next_attempt ?? 2,
  };
}

export async function linkRerun(
  db: Queryable,
  runId: number,
  link: { rerunOf: number; originalRunId: number; runAttempt: number },
): Promise<void> {
  await db`
    update workflow_runs set rerun_of = ${link.rerunOf}, original_run_id = ${link.originalRunId}, run_attempt = ${link.runAttempt}
    where id = ${runId}`;
}
