import type { Sql } from '../../adapters/db/connect.js';
import { notifyTaskLog } from '../../adapters/db/logs.js';
import { pipelinedTransaction } from '../../adapters/db/pipelined-transaction.js';
import { finishTasks } from '../../adapters/db/tasks.js';
import type { FinishReport, FinishedTask } from '../../adapters/db/tasks.js';
import { freedGroups, startNextRuns } from '../concurrency/start-next.js';
import { GroupBatcher } from './group-batcher.js';
import type { GroupBatcherOptions } from './group-batcher.js';
import { finishAndRollUp } from './rollup.js';

// Final statuses reported by runners, written together: the reports that arrive while a batch is being written
// go in one transaction (finish, roll-up, commit statuses, notifications), like River's batched completer, but
// with no flush timer and a reply to each runner only after its batch committed.

export const COMPLETION_BATCHING: GroupBatcherOptions = { maxBatch: 100, maxInFlight: 1 };

export class Completions {
  readonly batcher: GroupBatcher<FinishReport, FinishedTask | null>;

  constructor(sql: Sql, options: GroupBatcherOptions = COMPLETION_BATCHING) {
    this.batcher = new GroupBatcher((reports) => finishReported(sql, reports), options);
  }

  /** The ended attempt, or null when the report's token holds no live lease on the task (nothing changed). */
  finish(report: FinishReport): Promise<FinishedTask | null> {
    return this.batcher.submit(report);
  }
}

/** Ends the reported attempts and rolls them up in one transaction; then starts runs their groups freed. */
export async function finishReported(sql: Sql, reports: readonly FinishReport[]): Promise<Array<FinishedTask | null>> {
  const ids = reports.map((r) => r.id);
  const { finished, rollups } = await pipelinedTransaction(sql, (tx, commitWith) => finishAndRollUp(tx, ids, async () => {
    const [ended] = await Promise.all([
      finishTasks(tx, reports),
      // A live log on the dashboard ends with its task; a report that ends nothing only makes its viewers look again.
      notifyTaskLog(tx, ids),
    ]);
    return ended;
  }, commitWith));
  await startNextRuns(sql, freedGroups(rollups));
  const ended = new Map(finished.map((t) => [t.id, t]));
  return reports.map((r) => {
    const task = ended.get(r.id);
    return task && task.status === r.status && task.token_hash === r.tokenHash ? task : null;
  });
}
