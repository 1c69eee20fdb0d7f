import type { Queryable } from './queryable.js';

// Roll-up rows: a job's status follows its attempts, a run's its jobs. Every writer locks in one order: tasks,
// then jobs, then runs, each kind in id order, so concurrent finishes of one run's jobs (one at a time or in
// batches) serialise instead of deadlocking.

export interface TimedRow {
  status: number;
  started_at: Date | null;
  stopped_at: Date | null;
}

export interface AttemptRow extends TimedRow {
  id: number;
  attempt: number;
  end_reason: 'runner' | 'lease_expired' | 'cancelled' | null;
}

export interface RollupRows {
  job: TimedRow & { id: number; attempt: number };
  attempts: AttemptRow[];
  run: TimedRow & { id: number; repository_id: number; concurrency_group: string | null; cancel_reason: string | null };
  /** All jobs of the run, this one included (as stored before this roll-up). */
  jobs: Array<TimedRow & { id: number }>;
}

/** Jobs given by id, or as the jobs of these tasks. */
export type JobsOf = { jobIds: readonly number[] } | { taskIds: readonly number[] };

interface JsonTimed { status: number; started_at: string | null; stopped_at: string | null }

const dated = <T extends JsonTimed>(row: T): Omit<T, 'started_at' | 'stopped_at'> & TimedRow => ({
  ...row,
  started_at: row.started_at === null ? null : new Date(row.started_at),
  stopped_at: row.stopped_at === null ? null : new Date(row.stopped_at),
});

function jobIdsOf(db: Queryable, of: JobsOf) {
  return 'jobIds' in of
    ? db`select unnest(${of.jobIds as number[]}::bigint[])`
    : db`select job_id from workflow_tasks where id = any(${of.taskIds as number[]}::bigint[])`;
}

/**
 * Locks the jobs and then their runs, each in id order, and reads the jobs' attempts and their runs' jobs: all a
 * roll-up needs, in one trip. The read is a statement of its own, after the locks: its snapshot then includes
 * whatever the writers it waited for committed (a sibling job finished by another runner a moment earlier).
 */
export async function lockForRollup(db: Queryable, of: JobsOf): Promise<RollupRows[]> {
  const [, rows] = await Promise.all([
    db`
      with jobs as materialized (
        select id, run_id from workflow_jobs where id in (${jobIdsOf(db, of)}) order by id for update
      )
      select id from workflow_runs where id in (select run_id from jobs) order by id for update`,
    db<Array<{
      job: JsonTimed & { id: number; attempt: number };
      run: JsonTimed & { id: number; repository_id: number; concurrency_group: string | null; cancel_reason: string | null };
      attempts: Array<JsonTimed & { id: number; attempt: number; end_reason: AttemptRow['end_reason'] }>;
      jobs: Array<JsonTimed & { id: number }>;
    }>>`
      select
        json_build_object('id', j.id, 'attempt', j.attempt, 'status', j.status, 'started_at', j.started_at, 'stopped_at', j.stopped_at) as job,
        json_build_object('id', r.id, 'repository_id', r.repository_id, 'concurrency_group', r.concurrency_group, 'status', r.status,
          'cancel_reason', r.cancel_reason, 'started_at', r.started_at, 'stopped_at', r.stopped_at) as run,
        (select coalesce(json_agg(json_build_object('id', t.id, 'attempt', t.attempt, 'status', t.status,
            'end_reason', t.end_reason, 'started_at', t.started_at, 'stopped_at', t.stopped_at)), '[]') from workflow_tasks t where t.job_id = j.id) as attempts,
        (select json_agg(json_build_object('id', s.id, 'status', s.status, 'started_at', s.started_at, 'stopped_at', s.stopped_at))
          from workflow_jobs s where s.run_id = r.id) as jobs
      from workflow_jobs j join workflow_runs r on r.id = j.run_id
      where j.id in (${jobIdsOf(db, of)})
      order by j.id`,
  ]);
  return rows.map((row) => ({ job: dated(row.job), run: dated(row.run), attempts: row.attempts.map(dated), jobs: row.jobs.map(dated) }));
}

export interface RollupSave {
  /** Jobs whose values changed. */
  jobs: Array<TimedRow & { id: number; attempt: number }>;
  /** Runs whose values changed. */
  runs: Array<TimedRow & { id: number }>;
  /** Sent on `plue_runs` (at commit): runs that have just finished. */
  finished: RunFinishedMessage[];
}

/**
 * One statement for any number of jobs and runs; each part only writes when it has rows. The id lists beside the
 * records let the planner use the primary keys (it cannot see how many records a JSON parameter holds).
 */
export async function saveRollups(db: Queryable, save: RollupSave): Promise<void> {
  if (save.jobs.length === 0 && save.runs.length === 0 && save.finished.length === 0) return;
  await db`
    with job as (
      update workflow_jobs j
      set status = v.status, attempt = v.attempt, started_at = v.started_at, stopped_at = v.stopped_at
      from jsonb_to_recordset(${db.json(save.jobs as never)})
        as v(id bigint, status smallint, attempt int, started_at timestamptz, stopped_at timestamptz)
      where j.id = v.id and j.id = any(${save.jobs.map((j) => j.id)}::bigint[])
    ), run as (
      update workflow_runs r
      set status = v.status, started_at = v.started_at, stopped_at = v.stopped_at
      from jsonb_to_recordset(${db.json(save.runs as never)})
        as v(id bigint, status smallint, started_at timestamptz, stopped_at timestamptz)
      where r.id = v.id and r.id = any(${save.runs.map((r) => r.id)}::bigint[])
    )
    select pg_notify(${RUNS_CHANNEL}, m::text) from jsonb_array_elements(${db.json(save.finished as never)}) m`;
}

export const RUNS_CHANNEL = 'plue_runs';

export interface RunFinishedMessage {
  run_id: number;
  repository_id: number;
  status: string;
}
