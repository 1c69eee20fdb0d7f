import { holdRun, lockConcurrencyGroup, readGroup } from '../../adapters/db/concurrency.js';
import type { Queryable } from '../../adapters/db/queryable.js';
import { insertRunStatuses } from '../../adapters/db/commit-statuses.js';
import { runCommitStatus } from '../../core/status/commit-status.js';
import { cancelsOnArrival } from '../../core/concurrency/admission.js';
import type { QueueMode } from '../../core/concurrency/admission.js';
import { cancelRunIn } from '../runners/cancel.js';

// New runs enter their concurrency group inside the transaction that creates them, whatever made them (a push, a
// host event, a hand-started run, a schedule, a re-run): each group is locked, the runs it replaces or cancels are
// cancelled, and the new run either goes to the runners or is held back (blocked) behind the group's run.

export interface ArrivingRun {
  run_id: number;
  run_number: number;
  concurrency_group: string | null;
  cancel_in_progress: boolean;
  concurrency_queue: QueueMode;
}

/** Runs that did not go straight to the runners: held back by their group, or cancelled at once (a full queue). */
export interface Admitted {
  held: number[];
  cancelled: number[];
}

export async function admitRuns(tx: Queryable, repositoryId: number, runs: readonly ArrivingRun[]): Promise<Admitted> {
  // Groups in one order, so two transactions that lock several never wait for each other in a circle.
  const grouped = runs.filter((r) => r.concurrency_group !== null)
    .sort((a, b) => (a.concurrency_group! < b.concurrency_group! ? -1 : a.concurrency_group! > b.concurrency_group! ? 1 : a.run_id - b.run_id));
  const admitted: Admitted = { held: [], cancelled: [] };
  for (const [index, run] of grouped.entries()) {
    const key = { repository_id: repositoryId, group: run.concurrency_group! };
    await lockConcurrencyGroup(tx, key);
    // Runs of this batch not admitted yet are not part of the group so far.
    const notYet = grouped.slice(index).map((r) => r.run_id);
    const state = await readGroup(tx, key, notYet);
    const cancels = cancelsOnArrival(state, {
      id: run.run_id, number: run.run_number, group: key.group, cancelInProgress: run.cancel_in_progress, queue: run.concurrency_queue,
    });
    for (const cancel of cancels) await cancelRunIn(tx, cancel.id, cancel.reason);
    if (cancels.some((c) => c.id === run.run_id)) {
      admitted.cancelled.push(run.run_id);
      continue;
    }
    const after = cancels.length === 0 ? state : await readGroup(tx, key, notYet);
    if (after.inProgress.length > 0 || after.pending.length > 0) {
      await holdRun(tx, run.run_id);
      await insertRunStatuses(tx, [{ run_id: run.run_id, ...runCommitStatus({ status: 'blocked' }) }]);
      admitted.held.push(run.run_id);
    }
  }
  return admitted;
}
