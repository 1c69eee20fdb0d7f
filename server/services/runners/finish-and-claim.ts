import type { Sql } from '../../adapters/db/connect.js';
import { AppError } from '../errors/app-error.js';
import { claimForRunner, claimLabels, claimSeveralForRunner } from './claim.js';
import type { Claimed, Claims } from './claim.js';
import type { Completions } from './completions.js';
import type { RunnerAuth } from './runner-auth.js';
import { reportStatus } from './task-actions.js';
import type { StatusReply, StatusReport } from './task-actions.js';
import { hashToken } from './tokens.js';
import type { TaskWakeups } from './wakeups.js';

// A final status that also claims the runner's next task (`next`, docs/runners.md): the claim follows the status's
// commit. (Sending both at once was measured slower: the claim and completion batches then contend for the same
// cores instead of taking turns.)

export interface FinishAndClaimDeps {
  sql: Sql;
  completions: Completions;
  claims: Claims;
  wakeups: TaskWakeups;
  auth: RunnerAuth;
  leaseSeconds: number;
}

export interface NextClaim {
  /** Some of the runner's labels; all of them when absent. */
  labels?: readonly string[] | undefined;
  waitMs: number;
  /** The client went away. */
  signal?: AbortSignal;
}

export async function finishAndClaimNext(
  deps: FinishAndClaimDeps, taskId: number, token: string, report: StatusReport & { status: 'success' | 'failure' | 'cancelled' }, next: NextClaim,
): Promise<{ reported: StatusReply; next: Claimed | null }> {
  if (next.labels !== undefined) {
    // Labels the runner does not have are refused before the status is recorded.
    const holder = await deps.auth.ofTask(taskId, hashToken(token));
    if (!holder) throw new AppError('unauthorized');
    claimLabels(holder, next.labels);
  }
  const { runnerId, ...reported } = await reportStatus(deps.sql, deps.completions, taskId, token, report, deps.leaseSeconds);
  // The task token was given to this runner only: it is who asks for the next task.
  const runner = runnerId === null ? null : await deps.auth.byId(runnerId);
  if (!runner) throw new AppError('unauthorized');
  const claimed = await claimForRunner(
    { claims: deps.claims, wakeups: deps.wakeups }, { id: runner.id, labels: claimLabels(runner, next.labels) }, next.waitMs, next.signal,
  );
  return { reported, next: claimed };
}

export interface ReportedTask {
  id: number;
  token: string;
  report: StatusReport & { status: 'success' | 'failure' | 'cancelled' };
}

/** A status recorded (as the single status route answers it), or why it was not. */
export type ReportOutcome = StatusReply | { id: number; error: AppError };

/**
 * Final statuses of several tasks in one request, each fenced by its own task token (they are written in one
 * completion batch); then, with `next`, up to `next.maxTasks` next tasks for the runner. A status refused (a lost
 * lease, a token that is not the task's) is answered in its place; the others stand. Labels the runner was not
 * registered with are refused before anything is recorded.
 */
export async function finishSeveralAndClaim(
  deps: FinishAndClaimDeps,
  runner: { id: number; labels: readonly string[] },
  reports: readonly ReportedTask[],
  next?: NextClaim & { maxTasks: number },
): Promise<{ statuses: ReportOutcome[]; next: Claimed[] | null }> {
  const labels = next && claimLabels(runner, next.labels);
  const settled = await Promise.allSettled(reports.map((r) => reportStatus(deps.sql, deps.completions, r.id, r.token, r.report, deps.leaseSeconds)));
  const statuses = settled.map((s, i): ReportOutcome => {
    if (s.status === 'fulfilled') {
      const { runnerId: _, ...reply } = s.value;
      return reply;
    }
    if (s.reason instanceof AppError) return { id: reports[i]!.id, error: s.reason };
    throw s.reason;
  });
  if (!next || !labels) return { statuses, next: null };
  const claimed = await claimSeveralForRunner(
    { claims: deps.claims, wakeups: deps.wakeups }, { id: runner.id, labels }, next.maxTasks, next.waitMs, next.signal,
  );
  return { statuses, next: claimed };
}
