import type { Sql } from '../../adapters/db/connect.js';
import { lockConcurrencyGroup, readGroup, releaseHeldRun, stalledGroups } from '../../adapters/db/concurrency.js';
import type { GroupKey } from '../../adapters/db/concurrency.js';
import { notifyTasksWaiting } from '../../adapters/db/runs.js';
import { insertRunStatuses } from '../../adapters/db/commit-statuses.js';
import { runCommitStatus } from '../../core/status/commit-status.js';
import { nextToStart } from '../../core/concurrency/admission.js';
import type { RunRollup } from '../runners/rollup.js';

// When a group's run ends, its next pending run starts: right after the transaction that ended it commits, and
// from the periodic sweep for a group whose follow-up was lost (the process stopped in between).

/** The groups that runs finishing in `rollups` leave free. */
export function freedGroups(rollups: readonly RunRollup[]): GroupKey[] {
  const keys = new Map<string, GroupKey>();
  for (const r of rollups) {
    if (r.finished && r.concurrency_group !== null) {
      keys.set(`${r.repository_id}:${r.concurrency_group}`, { repository_id: r.repository_id, group: r.concurrency_group });
    }
  }
  return [...keys.values()];
}

/** Starts each group's next pending run when nothing of the group is in progress; returns the runs started. */
export async function startNextRuns(sql: Sql, groups: readonly GroupKey[]): Promise<number[]> {
  const started: number[] = [];
  for (const key of groups) {
    const run = await sql.begin(async (tx) => {
      await lockConcurrencyGroup(tx, key);
      for (;;) {
        const next = nextToStart(await readGroup(tx, key));
        if (next === null) return null;
        // False when the run was cancelled while this waited for the lock: the one after it is next.
        if (await releaseHeldRun(tx, next.id)) {
          await insertRunStatuses(tx, [{ run_id: next.id, ...runCommitStatus({ status: 'waiting' }) }]);
          await notifyTasksWaiting(tx, key.repository_id);
          return next.id;
        }
      }
    });
    if (run !== null) started.push(run);
  }
  return started;
}

/** The sweep: starts the next run of every group left with pending runs and nothing in progress. */
export async function startStalledGroups(sql: Sql, limit = 100): Promise<number[]> {
  return startNextRuns(sql, await stalledGroups(sql, limit));
}
