// Concurrency groups as GitHub runs them: per group at most one run in progress and, by default, one pending run
// that a newer one replaces; `cancel_in_progress` also cancels the run in progress; `queue: max` keeps up to
// 100 pending runs in order instead. Pure: the caller reads the group under its lock and applies the decision.

export type QueueMode = 'single' | 'max';

export const QUEUE_MODES: readonly QueueMode[] = ['single', 'max'];

/** GitHub's limit for `queue: max`. */
export const MAX_PENDING_RUNS = 100;

export interface GroupRun {
  id: number;
  number: number;
}

export interface GroupState {
  /** Released runs not finished yet (waiting for a runner or running), oldest first. */
  inProgress: GroupRun[];
  /** Runs held back by the group, oldest first. */
  pending: GroupRun[];
}

export interface Arrival extends GroupRun {
  group: string;
  cancelInProgress: boolean;
  queue: QueueMode;
}

export interface Cancel {
  id: number;
  reason: string;
}

/** Which runs a new run of the group cancels (possibly itself, when the queue is full). */
export function cancelsOnArrival(state: GroupState, arrival: Arrival): Cancel[] {
  const by = `run #${arrival.number}`;
  if (arrival.cancelInProgress) {
    return [
      ...state.inProgress.map((run) => ({ id: run.id, reason: `cancelled by ${by} of group ${arrival.group} (cancel_in_progress)` })),
      ...state.pending.map((run) => ({ id: run.id, reason: `replaced by ${by} of group ${arrival.group}` })),
    ];
  }
  if (arrival.queue === 'max') {
    if (state.pending.length < MAX_PENDING_RUNS) return [];
    return [{ id: arrival.id, reason: `the queue of group ${arrival.group} is full (${MAX_PENDING_RUNS} pending runs)` }];
  }
  return state.pending.map((run) => ({ id: run.id, reason: `replaced by ${by} of group ${arrival.group}` }));
}

/** The run to start now: the oldest pending one, once nothing of the group is in progress. */
export function nextToStart(state: GroupState): GroupRun | null {
  return state.inProgress.length > 0 ? null : state.pending[0] ?? null;
}

/** Why a pending run waits, for people: "waiting for run #12 of group deploy-main". */
export function pendingReason(group: string, inProgress: GroupRun | null, ahead: number): string {
  const queue = ahead === 0 ? '' : ` (${ahead} ${ahead === 1 ? 'run' : 'runs'} ahead in the queue)`;
  if (inProgress === null) return `waiting to start in group ${group}${queue}`;
  return `waiting for run #${inProgress.number} of group ${group}${queue}`;
}
