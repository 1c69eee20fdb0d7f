import type { Sql } from '../../adapters/db/connect.js';
import { insertLogLines, lockLogState, saveLogState } from '../../adapters/db/logs.js';
import { notifyTasksWaiting } from '../../adapters/db/runs.js';
import { STATUS, statusName } from '../../adapters/db/status.js';
import { cancelWaitingTasksOfRun, probeTask, releaseTask, renewLease } from '../../adapters/db/tasks.js';
import type { TaskLease } from '../../adapters/db/tasks.js';
import { AppError } from '../errors/app-error.js';
import { freedGroups, startNextRuns } from '../concurrency/start-next.js';
import { planLogAppend } from './log-plan.js';
import type { LogLimits } from './log-plan.js';
import type { Completions } from './completions.js';
import { rollUpJobs } from './rollup.js';
import type { RunSignals } from './run-signals.js';
import { hashToken } from './tokens.js';

// What a runner does with a task it holds. Each call is fenced by the task token and a live lease.

/**
 * Why a fenced call failed: `unauthorized` when the token does not belong to the task, else `lease_lost` with
 * the task's current state.
 */
export async function accessError(sql: Sql, id: number, tokenHash: string): Promise<AppError> {
  const probe = await probeTask(sql, id, tokenHash);
  if (!probe) return new AppError('unauthorized');
  const status = statusName(probe.status);
  const handedOff = probe.handed_off_at !== null && probe.end_reason === null;
  const endedBy = probe.end_reason ?? (handedOff ? 'handed_off' : probe.status === STATUS.running ? 'lease_expired' : null);
  const state = handedOff ? `status ${status}, handed off to an external system` : `status ${status}${endedBy ? `, ended by ${endedBy}` : ''}`;
  return new AppError('lease_lost', { state }, { status, attempt: probe.attempt, ended_by: endedBy });
}

export interface HeartbeatHold {
  signals: RunSignals;
  waitMs: number;
  /** The client went away. */
  abort?: AbortSignal;
}

/**
 * Renews the lease at once. With `hold`, the reply then waits until the task's run is asked to cancel, the wait is
 * over, the client goes away or the server closes. A woken heartbeat reads (and renews) again before it answers.
 */
export async function heartbeat(sql: Sql, id: number, token: string, leaseSeconds: number, hold?: HeartbeatHold): Promise<TaskLease> {
  const hash = hashToken(token);
  const renew = async () => {
    const lease = await renewLease(sql, { id, tokenHash: hash, leaseSeconds });
    if (!lease) throw await accessError(sql, id, hash);
    return lease;
  };
  if (!hold || hold.waitMs <= 0) return renew();
  const until = performance.now() + hold.waitMs;
  // Watching before the renewal reads the run: a cancel that commits in between still wakes this heartbeat.
  const watch = hold.signals.watch();
  try {
    let lease = await renew();
    while (!lease.cancelled && (await watch.wait(lease.run_id, until - performance.now(), hold.abort)) === 'signalled') {
      lease = await renew();
    }
    return lease;
  } finally {
    watch.end();
  }
}

export type ReportedStatus = 'running' | 'success' | 'failure' | 'cancelled';

export interface StatusReport {
  status: ReportedStatus;
  started_at?: Date | null;
  stopped_at?: Date | null;
}

export interface StatusReply {
  id: number;
  status: ReportedStatus;
  attempt?: number;
  started_at?: Date | null;
  stopped_at?: Date | null;
  lease_expires_at?: Date;
  cancelled?: boolean;
}

/**
 * `running` renews the lease (with the runner's start time); a final status ends the attempt and rolls it up into
 * job and run in the same transaction. Sending the same final status again is answered as the first time.
 */
export async function reportStatus(
  sql: Sql, completions: Completions, id: number, token: string, report: StatusReport, leaseSeconds: number,
): Promise<StatusReply & { runnerId: number | null }> {
  const hash = hashToken(token);
  if (report.status === 'running') {
    const lease = await renewLease(sql, { id, tokenHash: hash, leaseSeconds, startedAt: report.started_at ?? null });
    if (!lease) throw await accessError(sql, id, hash);
    return { id, status: 'running', lease_expires_at: lease.lease_expires_at, cancelled: lease.cancelled, runnerId: null };
  }
  const finished = await completions.finish({
    id, tokenHash: hash, status: STATUS[report.status], startedAt: report.started_at ?? null, stoppedAt: report.stopped_at ?? null,
  });
  if (finished) {
    return { id, status: report.status, attempt: finished.attempt, started_at: finished.started_at, stopped_at: finished.stopped_at, runnerId: finished.runner_id };
  }
  const probe = await probeTask(sql, id, hash);
  if (probe && probe.end_reason === 'runner' && probe.status === STATUS[report.status]) {
    return { id, status: report.status, attempt: probe.attempt, started_at: probe.started_at, stopped_at: probe.stopped_at, runnerId: probe.runner_id };
  }
  throw await accessError(sql, id, hash);
}

export interface LogAppend {
  step: string;
  lines: readonly string[];
  offset: number;
}

/** Stores the lines not stored yet; returns the next offset expected. */
export async function appendLogs(sql: Sql, id: number, token: string, append: LogAppend, limits: LogLimits): Promise<{ next_offset: number }> {
  const hash = hashToken(token);
  const result = await sql.begin(async (tx) => {
    const state = await lockLogState(tx, id, hash);
    if (!state) return null;
    const plan = planLogAppend(state, append.offset, append.lines, limits);
    if (plan.kind === 'gap') throw new AppError('log_offset_gap', { next_offset: plan.expected }, { next_offset: plan.expected });
    await insertLogLines(tx, id, append.step, plan.firstLine, plan.lines);
    if (plan.next.log_lines !== state.log_lines) await saveLogState(tx, id, plan.next);
    return { next_offset: plan.next.log_lines };
  });
  if (!result) throw await accessError(sql, id, hash);
  return result;
}

/**
 * Gives the task back to the queue (same attempt, logs dropped) and wakes waiting runners. When its run is being
 * cancelled the task is cancelled instead: `releaseTask` read that under the run's lock.
 */
export async function release(sql: Sql, id: number, token: string): Promise<void> {
  const hash = hashToken(token);
  const rollups = await sql.begin(async (tx) => {
    const row = await releaseTask(tx, id, hash);
    if (!row) return null;
    if (row.cancel_requested) await cancelWaitingTasksOfRun(tx, row.run_id);
    if (!row.cancel_requested) await notifyTasksWaiting(tx, row.repository_id);
    return rollUpJobs(tx, [row.job_id]);
  });
  if (rollups === null) throw await accessError(sql, id, hash);
  await startNextRuns(sql, freedGroups(rollups));
}
