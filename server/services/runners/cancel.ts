import type { Sql } from '../../adapters/db/connect.js';
import type { Queryable } from '../../adapters/db/queryable.js';
import { isFinishedStatus, statusName } from '../../adapters/db/status.js';
import { cancelWaitingTasksOfRun, markRunCancelRequested } from '../../adapters/db/tasks.js';
import { freedGroups, startNextRuns } from '../concurrency/start-next.js';
import { rollUpJobs } from './rollup.js';
import type { RunRollup } from './rollup.js';

export type CancelRequest = { outcome: 'requested' } | { outcome: 'finished'; status: string } | { outcome: 'not_found' };

/**
 * Asks a run to stop, inside the caller's transaction: its tasks that have not started are cancelled now, running
 * ones are told through their runner's held heartbeat (woken on every replica when this commits). The mark comes
 * first, under the run row's lock, so a lease sweep or a release racing this either sees it (and does not queue the
 * task again) or is waited for (and the task it queued is cancelled here). A run that has already finished is left
 * alone. Returns the roll-ups, so that the caller can start what a finished run of a concurrency group was holding
 * back once it has committed.
 */
export async function cancelRunIn(tx: Queryable, runId: number, reason: string): Promise<{ request: CancelRequest; rollups: RunRollup[] }> {
  const run = await markRunCancelRequested(tx, runId, reason);
  if (!run) return { request: { outcome: 'not_found' }, rollups: [] };
  if (isFinishedStatus(run.status)) return { request: { outcome: 'finished', status: statusName(run.status) }, rollups: [] };
  const jobs = await cancelWaitingTasksOfRun(tx, runId);
  return { request: { outcome: 'requested' }, rollups: await rollUpJobs(tx, jobs) };
}

/**
 * `cancelRunIn` in a transaction of its own (with `onRequested`, e.g. an audit row, when the cancel was asked),
 * then the next run of a group it freed starts.
 */
export async function requestRunCancel(
  sql: Sql, runId: number, reason = 'cancelled on request', onRequested?: (tx: Queryable) => Promise<void>,
): Promise<CancelRequest> {
  const { request, rollups } = await sql.begin(async (tx) => {
    const cancelled = await cancelRunIn(tx, runId, reason);
    if (cancelled.request.outcome === 'requested') await onRequested?.(tx);
    return cancelled;
  });
  await startNextRuns(sql, freedGroups(rollups));
  return request;
}
