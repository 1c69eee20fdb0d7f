import type { Queryable } from '../../adapters/db/queryable.js';
import { insertRunStatuses } from '../../adapters/db/commit-statuses.js';
import { statusName, statusNumber } from '../../adapters/db/status.js';
import { lockForRollup, saveRollup } from '../../adapters/db/tasks.js';
import type { TimedRow } from '../../adapters/db/tasks.js';
import { becameFinished, jobFromAttempts, latestAttempt, runFromJobs } from '../../core/status/rollup.js';
import type { Timed } from '../../core/status/rollup.js';
import { runCommitStatus } from '../../core/status/commit-status.js';
import { recordWorkflowRunEvents } from '../trigger/record-workflow-run.js';

// Brings jobs and runs in line with their tasks, inside the caller's transaction (after the task rows changed).

const named = (row: TimedRow): Timed => ({ status: statusName(row.status), started_at: row.started_at, stopped_at: row.stopped_at });
const numbered = (t: Timed): TimedRow => ({ status: statusNumber(t.status), started_at: t.started_at, stopped_at: t.stopped_at });

const sameTime = (a: Date | null, b: Date | null) => a?.getTime() === b?.getTime();
const sameTimed = (a: TimedRow, b: TimedRow) =>
  a.status === b.status && sameTime(a.started_at, b.started_at) && sameTime(a.stopped_at, b.stopped_at);

export interface RunRollup {
  run_id: number;
  repository_id: number;
  concurrency_group: string | null;
  status: string;
  /** The run reached a final status with this change (and `plue_runs` was notified). */
  finished: boolean;
}

/** Rolls up each job into its run, in id order (the lock order). Returns each touched run's last state. */
export async function rollUpJobs(tx: Queryable, jobIds: Iterable<number>): Promise<RunRollup[]> {
  const runs = new Map<number, RunRollup>();
  for (const jobId of [...new Set(jobIds)].sort((a, b) => a - b)) {
    const result = await rollUpJob(tx, jobId);
    if (result) runs.set(result.run_id, result);
  }
  return [...runs.values()];
}

/**
 * The job follows its latest attempt, the run its jobs; both keep a start time once set (a requeued attempt does
 * not make them look younger). A run that has just finished is announced on `plue_runs`, and, when a workflow
 * follows it, reported by a `workflow_run` event: here, in the transaction that finished it, so exactly once.
 * A run whose status changed sets its next commit status in the same transaction.
 */
export async function rollUpJob(tx: Queryable, jobId: number): Promise<RunRollup | null> {
  const rows = await lockForRollup(tx, jobId);
  if (!rows) return null;
  const { job, run, attempts, jobs } = rows;
  const nextJob = jobFromAttempts(attempts.map((a) => ({ ...named(a), id: a.id, attempt: a.attempt })), job);
  const attempt = Math.max(job.attempt, ...attempts.map((a) => a.attempt));
  const nextRun = runFromJobs(jobs.map((j) => (j.id === jobId ? nextJob : named(j))), run);
  const finished = becameFinished(statusName(run.status), nextRun.status);
  const jobRow = numbered(nextJob);
  const runRow = numbered(nextRun);
  // Sent together (postgres.js pipelines them on the transaction's connection), run in this order: the save, the
  // commit status, then the workflow_run event, which reports the run as it now is (final status, stop time).
  const lost = latestAttempt(attempts)?.end_reason === 'lease_expired';
  await Promise.all([
    saveRollup(tx, {
      jobId,
      job: sameTimed(job, jobRow) && job.attempt === attempt ? null : { ...jobRow, attempt },
      runId: run.id,
      run: sameTimed(run, runRow) ? null : runRow,
      finished: finished ? { run_id: run.id, repository_id: run.repository_id, status: nextRun.status } : null,
    }),
    statusName(run.status) !== nextRun.status
      ? insertRunStatuses(tx, [{ run_id: run.id, ...runCommitStatus({ ...nextRun, cancel_reason: run.cancel_reason, lost }) }])
      : null,
    finished ? recordWorkflowRunEvents(tx, [run.id], 'completed') : null,
  ]);
  return { run_id: run.id, repository_id: run.repository_id, concurrency_group: run.concurrency_group, status: nextRun.status, finished };
}
