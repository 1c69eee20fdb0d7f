import type { Sql } from '../../adapters/db/connect.js';
import { unfinishedRunsInGroup } from '../../adapters/db/runs.js';
import { requestRunCancel } from '../runners/task-actions.js';
import type { WrittenRun } from './write-runs.js';

/**
 * `cancel_in_progress=True`: a new run of a concurrency group cancels the group's older unfinished runs
 * (waiting ones at once, running ones through their runner's held heartbeat). Done after the new run committed.
 */
export async function cancelSupersededRuns(sql: Sql, repositoryId: number, runs: WrittenRun[]): Promise<number[]> {
  const cancelled: number[] = [];
  for (const run of runs) {
    if (!run.cancel_in_progress || run.concurrency_group === null) continue;
    for (const older of await unfinishedRunsInGroup(sql, repositoryId, run.concurrency_group, run.run_id)) {
      if ((await requestRunCancel(sql, older)).outcome === 'requested') cancelled.push(older);
    }
  }
  return cancelled;
}
