import type { Sql } from '../../adapters/db/connect.js';
import { oneTripTransaction } from '../../adapters/db/pipelined-transaction.js';
import { claimStatement, tasksBySlot } from '../../adapters/db/tasks.js';
import type { ClaimSlot, ClaimedTask } from '../../adapters/db/tasks.js';
import { AppError } from '../errors/app-error.js';
import { GroupBatcher } from './group-batcher.js';
import type { GroupBatcherOptions } from './group-batcher.js';
import { release } from './task-actions.js';
import { hashToken, newTaskToken } from './tokens.js';
import { labelSetKey } from './wakeups.js';
import type { TaskWakeups } from './wakeups.js';

export const CLAIM_BATCHING: GroupBatcherOptions = { maxBatch: 32, maxInFlight: 1 };

/**
 * Claims with the same labels that arrive while one is being written go together in the next claim statement, one
 * task per slot (see GroupBatcher: a lone claim waits only for the end of the event loop's turn).
 */
export class Claims {
  readonly byLabels = new Map<string, GroupBatcher<ClaimSlot, ClaimedTask | null>>();

  constructor(private readonly sql: Sql, private readonly leaseSeconds: number, private readonly options = CLAIM_BATCHING) {}

  async claim(labels: readonly string[], slot: ClaimSlot): Promise<ClaimedTask | null> {
    const key = labelSetKey(labels);
    let batcher = this.byLabels.get(key);
    if (!batcher) {
      batcher = new GroupBatcher(async (slots) => {
        const claim = { labels, leaseSeconds: this.leaseSeconds, slots };
        return tasksBySlot(claim, await oneTripTransaction(this.sql, (tx) => claimStatement(tx, claim)));
      }, this.options);
      this.byLabels.set(key, batcher);
    }
    try {
      return await batcher.submit(slot);
    } finally {
      if (batcher.pending === 0 && this.byLabels.size > MAX_LABEL_SETS) this.byLabels.delete(key);
    }
  }

  /** Gives a claimed task back to the queue (its claimer cannot be told about it). */
  giveBack(claimed: Claimed): Promise<void> {
    return release(this.sql, claimed.task.id, claimed.token);
  }

}

const MAX_LABEL_SETS = 100;

/** The labels a claim asks for: the runner's own, or some of them. */
export function claimLabels(runner: { labels: readonly string[] }, wanted: readonly string[] | undefined): readonly string[] {
  if (wanted === undefined) return runner.labels;
  const missing = wanted.filter((l) => !runner.labels.includes(l));
  if (missing.length > 0) throw new AppError('labels_not_registered', { labels: missing.join(', ') }, { missing });
  return wanted;
}

export interface ClaimDeps {
  claims: Claims;
  wakeups: TaskWakeups;
}

export interface Claimed {
  task: ClaimedTask;
  /** The task token, given to the runner once; only its hash is stored. */
  token: string;
}

/** Most tasks one claim may take (`max_tasks`): a runner that runs several at once. */
export const MAX_TASKS_PER_CLAIM = 32;

/**
 * Claims a task for the runner, waiting up to `waitMs` for one to arrive. Null when the wait ended empty-handed,
 * the caller went away (`signal`) or the process is stopping.
 */
export async function claimForRunner(
  deps: ClaimDeps,
  runner: { id: number; labels: readonly string[] },
  waitMs: number,
  signal?: AbortSignal,
): Promise<Claimed | null> {
  const [claimed] = await claimSeveralForRunner(deps, runner, 1, waitMs, signal);
  return claimed ?? null;
}

/**
 * Claims up to `count` tasks for the runner (in one claim statement, with the claims of other runners that arrive
 * meanwhile), waiting up to `waitMs` for at least one. No polling: between attempts it sleeps until a
 * notification (or the slow fallback tick) wakes it. Empty when the wait ended empty-handed, the caller went away
 * (`signal`) or the process is stopping.
 */
export async function claimSeveralForRunner(
  deps: ClaimDeps,
  runner: { id: number; labels: readonly string[] },
  count: number,
  waitMs: number,
  signal?: AbortSignal,
): Promise<Claimed[]> {
  const deadline = Date.now() + waitMs;
  let woken = false;
  for (;;) {
    if (signal?.aborted || deps.wakeups.isClosed) {
      if (woken) deps.wakeups.passOn(runner.labels); // do not swallow the wake-up meant for whoever is next
      return [];
    }
    const seen = deps.wakeups.generation;
    let claimed: Claimed[];
    try {
      claimed = await claimSlots(deps.claims, runner, count);
    } catch (error) {
      if (woken) deps.wakeups.passOn(runner.labels);
      throw error;
    }
    if (claimed.length > 0) {
      if (woken) deps.wakeups.passOn(runner.labels);
      return claimed;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) return [];
    const result = await deps.wakeups.wait(runner.labels, seen, remaining, signal);
    if (result === 'timeout' || result === 'closed') return [];
    woken = result === 'woken';
  }
}

/** `count` slots, each with a token of its own; the slots a task was left for. */
async function claimSlots(claims: Claims, runner: { id: number; labels: readonly string[] }, count: number): Promise<Claimed[]> {
  const tokens = Array.from({ length: count }, () => newTaskToken());
  const settled = await Promise.allSettled(tokens.map((token) => claims.claim(runner.labels, { runnerId: runner.id, tokenHash: hashToken(token) })));
  const claimed = settled.flatMap((s, i) => (s.status === 'fulfilled' && s.value ? [{ task: s.value, token: tokens[i]! }] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (!failed) return claimed;
  // Slots split over two claim statements, one of which failed: the tasks of the other are held by nobody.
  await Promise.all(claimed.map((c) => claims.giveBack(c))).catch(() => undefined);
  throw failed.reason;
}
