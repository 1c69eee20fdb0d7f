import { WORKFLOWS_FOLDER } from '../../core/language/workflow-paths.js';
import type { Queryable } from './queryable.js';
import { WAITING_FOR_COLUMN } from './run-events.js';
import { STATUS } from './status.js';
import type { TaskEndReason } from './tasks.js';
import { isWorkflowId } from '../../core/api/workflow-selector.js';

// workflow_runs, workflow_jobs and workflow_tasks as the user API shows them: filtered lists and one run in full.

export interface RunViewRow {
  id: number;
  run_number: number;
  run_attempt: number;
  rerun_of: number | null;
  original_run_id: number | null;
  workflow_definition_id: number | null;
  workflow_name: string;
  workflow_path: string;
  function_name: string;
  trigger_event: string;
  ref: string;
  commit_sha: string;
  status: number;
  title: string;
  event_id: number | null;
  cancel_requested_at: Date | null;
  cancel_reason: string | null;
  parent_run_id: number | null;
  depth: number;
  concurrency_group: string | null;
  concurrency_cancel: boolean;
  concurrency_queue: 'single' | 'max';
  /** For a run its group holds back: the group's run in progress, and how many pending runs are ahead of it. */
  group_run: { id: number; run_number: number } | null;
  group_ahead: number | null;
  /** The event the workflow waits for right now (run_waits). */
  waiting_for: { name: string; since: string; until: string } | null;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  stopped_at: Date | null;
}

export interface RunDetailRow extends RunViewRow {
  event_payload: Record<string, unknown>;
}

const RUN_COLUMNS = `id, run_number, run_attempt, rerun_of, original_run_id, workflow_definition_id, workflow_name,
  workflow_path, function_name, trigger_event, ref, commit_sha, status, title, event_id, cancel_requested_at,
  cancel_reason, parent_run_id, depth, concurrency_group, concurrency_cancel, concurrency_queue,
  case when status = ${STATUS.blocked} then (
    select json_build_object('id', g.id, 'run_number', g.run_number) from workflow_runs g
    where g.repository_id = workflow_runs.repository_id and g.concurrency_group = workflow_runs.concurrency_group
      and g.status in (${STATUS.waiting}, ${STATUS.running})
    order by g.id limit 1) end as group_run,
  case when status = ${STATUS.blocked} then (
    select count(*)::int from workflow_runs g
    where g.repository_id = workflow_runs.repository_id and g.concurrency_group = workflow_runs.concurrency_group
      and g.status = ${STATUS.blocked} and g.id < workflow_runs.id) end as group_ahead,
  ${WAITING_FOR_COLUMN},
  created_at, updated_at, started_at, stopped_at`;

export interface RunFilter {
  /** A workflow selector: definition id, file path, file name, workflow name or function name. */
  workflow?: string;
  event?: string;
  status?: number;
  /** Full ref, e.g. `refs/heads/main`. */
  ref?: string;
  /** Lower-case hex, a prefix of the commit id. */
  shaPrefix?: string;
  runNumber?: number;
}

export async function searchRuns(
  db: Queryable,
  repositoryId: number,
  filter: RunFilter,
  page: { limit: number; offset: number },
): Promise<{ runs: RunViewRow[]; total: number }> {
  const empty = db``;
  const w = filter.workflow;
  const where = db`
    repository_id = ${repositoryId}
    ${w === undefined ? empty : db`and (workflow_path = ${w} or workflow_path = ${`${WORKFLOWS_FOLDER}/${w}`} or workflow_name = ${w}
      or function_name = ${w} ${isWorkflowId(w) ? db`or workflow_definition_id = ${Number(w)}` : empty})`}
    ${filter.event === undefined ? empty : db`and trigger_event = ${filter.event}`}
    ${filter.status === undefined ? empty : db`and status = ${filter.status}`}
    ${filter.ref === undefined ? empty : db`and ref = ${filter.ref}`}
    ${filter.shaPrefix === undefined ? empty : db`and commit_sha like ${`${filter.shaPrefix}%`}`}
    ${filter.runNumber === undefined ? empty : db`and run_number = ${filter.runNumber}`}`;
  const [runs, count] = await Promise.all([
    db<RunViewRow[]>`select ${db.unsafe(RUN_COLUMNS)} from workflow_runs where ${where} order by id desc limit ${page.limit} offset ${page.offset}`,
    db<{ n: number }[]>`select count(*)::int as n from workflow_runs where ${where}`,
  ]);
  return { runs, total: count[0]?.n ?? 0 };
}

export async function findRunOf(db: Queryable, repositoryId: number, runId: number): Promise<RunDetailRow | null> {
  const [row] = await db<RunDetailRow[]>`
    select ${db.unsafe(RUN_COLUMNS)}, event_payload from workflow_runs where id = ${runId} and repository_id = ${repositoryId}`;
  return row ?? null;
}

export interface ChildRunRow {
  id: number;
  run_number: number;
  workflow_name: string;
  status: number;
}

/** The runs a run started (dispatches from its tasks, workflow_run), oldest first. */
export async function childRunsOf(db: Queryable, runId: number): Promise<ChildRunRow[]> {
  return db<ChildRunRow[]>`
    select id, run_number, workflow_name, status from workflow_runs where parent_run_id = ${runId} order by id limit 1000`;
}

export interface JobViewRow {
  id: number;
  name: string;
  job_id: string;
  status: number;
  attempt: number;
  runs_on: string[];
  created_at: Date;
  started_at: Date | null;
  stopped_at: Date | null;
}

export interface TaskViewRow {
  id: number;
  job_id: number;
  attempt: number;
  status: number;
  runner_id: number | null;
  runner_name: string | null;
  end_reason: TaskEndReason | null;
  handed_off_at: Date | null;
  external_ref: string | null;
  external_deadline: Date | null;
  external_output: unknown;
  log_lines: number;
  log_truncated: boolean;
  created_at: Date;
  started_at: Date | null;
  stopped_at: Date | null;
}

/** The run's jobs, each with its tasks (one per attempt), in id order. */
export async function jobsOfRun(db: Queryable, runId: number): Promise<Array<JobViewRow & { tasks: TaskViewRow[] }>> {
  const [jobs, tasks] = await Promise.all([
    db<JobViewRow[]>`
      select id, name, job_id, status, attempt, runs_on, created_at, started_at, stopped_at
      from workflow_jobs where run_id = ${runId} order by id`,
    db<TaskViewRow[]>`
      select t.id, t.job_id, t.attempt, t.status, t.runner_id, rn.name as runner_name, t.end_reason, t.handed_off_at,
        t.external_ref, t.external_deadline, t.external_output, t.log_lines,
        t.log_truncated, t.created_at, t.started_at, t.stopped_at
      from workflow_tasks t join workflow_jobs j on j.id = t.job_id left join runners rn on rn.id = t.runner_id
      where j.run_id = ${runId} order by t.job_id, t.attempt, t.id`,
  ]);
  return jobs.map((job) => ({ ...job, tasks: tasks.filter((t) => t.job_id === job.id) }));
}

export interface RepositoryLatestRunRow {
  id: number;
  owner: string;
  name: string;
  state: 'active' | 'removed';
  latest_run: { id: number; run_number: number; workflow_name: string; status: number; created_at: string } | null;
}

/** Every repository with its newest run (the dashboard's home page). */
export async function latestRunOfRepositories(db: Queryable, limit = 1000): Promise<RepositoryLatestRunRow[]> {
  return db<RepositoryLatestRunRow[]>`
    select p.id, p.owner, p.name, p.state, (
      select json_build_object('id', r.id, 'run_number', r.run_number, 'workflow_name', r.workflow_name, 'status', r.status, 'created_at', r.created_at)
      from workflow_runs r where r.repository_id = p.id order by r.id desc limit 1) as latest_run
    from repositories p order by p.owner, p.name limit ${limit}`;
}
