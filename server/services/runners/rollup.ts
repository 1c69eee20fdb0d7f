import type { Queryable } from '../../adapters/db/queryable.js';
import { insertRunStatuses } from '../../adapters/db/commit-statuses.js';
import type { RunStatusChange } from '../../adapters/db/commit-statuses.js';
import type { CommitWith } from '../../adapters/db/pipelined-transaction.js';
import { lockForRollup, saveRollups } from '../../adapters/db/rollup.js';
import type { RollupRows, RollupSave, TimedRow } from '../../adapters/db/rollup.js';
import { statusName, statusNumber } from '../../adapters/db/status.js';
import { becameFinished, jobFromAttempts, latestAttempt, runFromJobs } from '../../core/status/rollup.js';
import type { Timed } from '../../core/status/rollup.js';
import { runCommitStatus } from '../../core/status/commit-status.js';
import { followedRuns } from '../../adapters/db/workflow-run-events.js';
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

/**
 * Rolls these jobs up into their runs. The job follows its latest attempt, the run its jobs; both keep a start time
 * once set (a requeued attempt does not make them look younger). A run that has just finished is announced on
 * `plue_runs`, and, when a workflow follows it, reported by a `workflow_run` event: here, in the transaction that
 * finished it, so exactly once. A run whose status changed sets its next commit status in the same transaction.
 * Returns each touched run's new state.
 */
export async function rollUpJobs(tx: Queryable, jobIds: Iterable<number>): Promise<RunRollup[]> {
  const ids = [...new Set(jobIds)];
  if (ids.length === 0) return [];
  return rollUpLocked(tx, await lockForRollup(tx, { jobIds: ids }));
}

/**
 * Ends tasks' attempts (`finish`, which returns the rows it ended) and rolls their jobs up. The roll-up's locks
 * and reads go with the finish in one trip: they run after it, so they see the ended attempts.
 */
export async function finishAndRollUp<T extends { job_id: number }>(
  tx: Queryable, taskIds: readonly number[], finish: () => Promise<T[]>, commitWith?: CommitWith,
): Promise<{ finished: T[]; rollups: RunRollup[] }> {
  // Which of these runs a workflow follows, asked in the same trip: when a run that finishes here is not one of
  // them, the roll-up's writes and the COMMIT go in one trip.
  const [finished, rows, followed] = await Promise.all([
    finish(), lockForRollup(tx, { taskIds }), followedRuns(tx, { taskIds }, 'completed'),
  ]);
  const jobs = new Set(finished.map((t) => t.job_id));
  const rollups = await rollUpLocked(tx, rows.filter((r) => jobs.has(r.job.id)), { followed: new Set(followed.map((r) => r.id)), commitWith });
  return { finished, rollups };
}

interface RollUpOptions {
  /** Runs that may be followed; others need no `workflow_run` event. Default: any run may be. */
  followed?: ReadonlySet<number>;
  /** Commits the caller's transaction with the roll-up's last writes. */
  commitWith?: CommitWith;
}

async function rollUpLocked(tx: Queryable, rows: readonly RollupRows[], options: RollUpOptions = {}): Promise<RunRollup[]> {
  const byRun = new Map<number, RollupRows[]>();
  for (const row of rows) {
    const group = byRun.get(row.run.id);
    if (group) group.push(row);
    else byRun.set(row.run.id, [row]);
  }
  const save: RollupSave = { jobs: [], runs: [], finished: [] };
  const statuses: RunStatusChange[] = [];
  const results: RunRollup[] = [];
  for (const group of byRun.values()) {
    const { run, jobs } = group[0]!;
    const nextJobs = new Map<number, Timed>();
    let lost = false;
    for (const { job, attempts } of group) {
      const nextJob = jobFromAttempts(attempts.map((a) => ({ ...named(a), id: a.id, attempt: a.attempt })), job);
      const attempt = Math.max(job.attempt, ...attempts.map((a) => a.attempt));
      const jobRow = numbered(nextJob);
      if (!sameTimed(job, jobRow) || job.attempt !== attempt) save.jobs.push({ id: job.id, ...jobRow, attempt });
      nextJobs.set(job.id, nextJob);
      lost ||= latestAttempt(attempts)?.end_reason === 'lease_expired';
    }
    const nextRun = runFromJobs(jobs.map((j) => nextJobs.get(j.id) ?? named(j)), run);
    const runRow = numbered(nextRun);
    if (!sameTimed(run, runRow)) save.runs.push({ id: run.id, ...runRow });
    const finished = becameFinished(statusName(run.status), nextRun.status);
    if (finished) save.finished.push({ run_id: run.id, repository_id: run.repository_id, status: nextRun.status });
    if (statusName(run.status) !== nextRun.status) {
      statuses.push({ run_id: run.id, ...runCommitStatus({ ...nextRun, cancel_reason: run.cancel_reason, lost }) });
    }
    results.push({ run_id: run.id, repository_id: run.repository_id, concurrency_group: run.concurrency_group, status: nextRun.status, finished });
  }
  // Sent together (postgres.js pipelines them on the transaction's connection), run in this order: the save, the
  // commit statuses, then the workflow_run events, which report the runs as they now are (final status, stop time).
  const followed = save.finished.map((f) => f.run_id).filter((id) => options.followed?.has(id) ?? true);
  const writes = [saveRollups(tx, save), insertRunStatuses(tx, statuses)];
  if (followed.length > 0) {
    await Promise.all([...writes, recordWorkflowRunEvents(tx, followed, 'completed')]);
    await options.commitWith?.();
  } else {
    await Promise.all([...writes, options.commitWith?.()]);
  }
  return results;
}
