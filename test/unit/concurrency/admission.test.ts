import { describe, expect, it } from 'vitest';
import { MAX_PENDING_RUNS, cancelsOnArrival, nextToStart, pendingReason } from '../../../server/core/concurrency/admission.js';
import type { Arrival, GroupState } from '../../../server/core/concurrency/admission.js';

const run = (n: number) => ({ id: n * 10, number: n });
const state = (inProgress: number[], pending: number[]): GroupState => ({ inProgress: inProgress.map(run), pending: pending.map(run) });
const arrival = (n: number, options: Partial<Arrival> = {}): Arrival => ({
  ...run(n), group: 'deploy', cancelInProgress: false, queue: 'single', ...options,
});

describe('a run arriving in its concurrency group', () => {
  it.each<[string, GroupState, Partial<Arrival>, Array<[number, string]>]>([
    ['an empty group: nothing to cancel', state([], []), {}, []],
    ['one in progress: the new run waits, nothing cancelled', state([1], []), {}, []],
    ['one pending: the newer run replaces it', state([1], [2]), {}, [[20, 'replaced by run #3 of group deploy']]],
    ['cancel_in_progress: the run in progress is cancelled', state([1], []), { cancelInProgress: true },
      [[10, 'cancelled by run #3 of group deploy (cancel_in_progress)']]],
    ['cancel_in_progress: the pending run too', state([1], [2]), { cancelInProgress: true },
      [[10, 'cancelled by run #3 of group deploy (cancel_in_progress)'], [20, 'replaced by run #3 of group deploy']]],
    ['queue max: pending runs stay, in order', state([1], [2]), { queue: 'max' }, []],
    ['queue max, empty group: nothing to cancel', state([], []), { queue: 'max' }, []],
  ])('%s', (_, group, options, expected) => {
    expect(cancelsOnArrival(group, arrival(3, options)).map((c) => [c.id, c.reason])).toEqual(expected);
  });

  it(`queue max: the ${MAX_PENDING_RUNS + 1}st pending run is cancelled itself, the queue is left alone`, () => {
    const full = state([1], Array.from({ length: MAX_PENDING_RUNS }, (_, i) => i + 2));
    expect(cancelsOnArrival(full, arrival(500, { queue: 'max' }))).toEqual([
      { id: 5000, reason: `the queue of group deploy is full (${MAX_PENDING_RUNS} pending runs)` },
    ]);
    const almost = state([1], Array.from({ length: MAX_PENDING_RUNS - 1 }, (_, i) => i + 2));
    expect(cancelsOnArrival(almost, arrival(500, { queue: 'max' }))).toEqual([]);
  });
});

describe('the next run of a group', () => {
  it.each<[string, GroupState, number | null]>([
    ['nothing pending', state([], []), null],
    ['a run still in progress', state([1], [2]), null],
    ['free: the oldest pending run', state([], [2, 3]), 20],
  ])('%s', (_, group, expected) => {
    expect(nextToStart(group)?.id ?? null).toBe(expected);
  });
});

describe('why a pending run waits', () => {
  it.each<[string, ReturnType<typeof run> | null, number, string]>([
    ['behind the run in progress', run(12), 0, 'waiting for run #12 of group deploy-main'],
    ['in a queue', run(12), 2, 'waiting for run #12 of group deploy-main (2 runs ahead in the queue)'],
    ['first of a queue', run(12), 1, 'waiting for run #12 of group deploy-main (1 run ahead in the queue)'],
    ['about to start', null, 0, 'waiting to start in group deploy-main'],
  ])('%s', (_, inProgress, ahead, expected) => {
    expect(pendingReason('deploy-main', inProgress, ahead)).toBe(expected);
  });
});
