import type { Queryable } from '../../adapters/db/queryable.js';
import { statusName, statusNumber } from '../../adapters/db/status.js';
import {
  lockJobWithAttempts, lockRunWithJobs, notifyRunFinished, updateJobStatus, updateRunStatus,
} from '../../adapters/db/tasks.js';
import type { TimedRow } from '../../adapters/db/tasks.js';
import { becameFinished, jobFromAttempts, runFromJobs } from '../../core/status/rollup.js';
import type { Timed } from '../../core/status/rollup.js';

// Brings jobs and runs in line with their tasks, inside the caller's transaction (after the task rows changed).

const named = (row: TimedRow): Timed => ({ status: statusName(row.status), started_at: row.started_at, stopped_at: row.stopped_at });
const numbered = (t: Timed): TimedRow => ({ status: statusNumber(t.status), started_at: t.started_at, stopped_at: t.stopped_at });

const sameTimed = (a: TimedRow, b: TimedRow) =>
  a.status === b.status && a.started_at?.getTime() === b.started_at?.getTime() && a.stopped_at?.getTime() === b.stopped_at?.getTime();

export interface RunRollup {
  run_id: number;
  status: string;
  /** The run reached a final status with this change (and `plue_runs` was notified). */
  finished: boolean;
}

/** Rolls up each job, then each of their runs once. */
export async function rollUpJobs(tx: Queryable, jobIds: Iterable<number>): Promise<RunRollup[]> {
  const runIds = new Set<number>();
  for (const jobId of [...new Set(jobIds)].sort((a, b) => a - b)) {
    const runId = await rollUpJob(tx, jobId);
    if (runId !== null) runIds.add(runId);
  }
  const results: RunRollup[] = [];
  for (const runId of [...runIds].sort((a, b) => a - b)) {
    const result = await rollUpRun(tx, runId);
    if (result) results.push(result);
  }
  return results;
}

/** Sets the job from its latest attempt; returns its run's id. */
export async function rollUpJob(tx: Queryable, jobId: number): Promise<number | null> {
  const locked = await lockJobWithAttempts(tx, jobId);
  if (!locked) return null;
  const { job, attempts } = locked;
  // A start time once set stays: a requeued attempt does not make the job look younger.
  const next = numbered(jobFromAttempts(attempts.map((a) => ({ ...named(a), id: a.id, attempt: a.attempt })), job));
  const attempt = Math.max(job.attempt, ...attempts.map((a) => a.attempt));
  if (!sameTimed(job, next) || job.attempt !== attempt) await updateJobStatus(tx, jobId, { ...next, attempt });
  return job.run_id;
}

/** Sets the run from its jobs, and announces it on `plue_runs` when it has just finished. */
export async function rollUpRun(tx: Queryable, runId: number): Promise<RunRollup | null> {
  const locked = await lockRunWithJobs(tx, runId);
  if (!locked) return null;
  const { run, jobs } = locked;
  const computed = runFromJobs(jobs.map(named), { started_at: run.started_at });
  const next = numbered(computed);
  if (!sameTimed(run, next)) await updateRunStatus(tx, runId, next);
  const finished = becameFinished(statusName(run.status), computed.status);
  if (finished) await notifyRunFinished(tx, { run_id: runId, repository_id: run.repository_id, status: computed.status });
  return { run_id: runId, status: computed.status, finished };
}
