import type { Sql } from '../../adapters/db/connect.js';
import { claimTask } from '../../adapters/db/tasks.js';
import type { ClaimedTask } from '../../adapters/db/tasks.js';
import { hashToken, newTaskToken } from './tokens.js';
import type { TaskWakeups } from './wakeups.js';

export interface ClaimDeps {
  sql: Sql;
  wakeups: TaskWakeups;
  leaseSeconds: number;
}

export interface Claimed {
  task: ClaimedTask;
  /** The task token, given to the runner once; only its hash is stored. */
  token: string;
}

/**
 * Claims a task for the runner, waiting up to `waitMs` for one to arrive. No polling: between attempts it sleeps
 * until a notification (or the slow fallback tick) wakes it. Null when the wait ended empty-handed, the caller
 * went away (`signal`) or the process is stopping.
 */
export async function claimForRunner(
  deps: ClaimDeps,
  runner: { id: number; labels: readonly string[] },
  waitMs: number,
  signal?: AbortSignal,
): Promise<Claimed | null> {
  const deadline = Date.now() + waitMs;
  let woken = false;
  for (;;) {
    if (signal?.aborted || deps.wakeups.isClosed) {
      if (woken) deps.wakeups.passOn(runner.labels); // do not swallow the wake-up meant for whoever is next
      return null;
    }
    const seen = deps.wakeups.generation;
    const token = newTaskToken();
    let task: ClaimedTask | null;
    try {
      task = await claimTask(deps.sql, { runnerId: runner.id, labels: runner.labels, tokenHash: hashToken(token), leaseSeconds: deps.leaseSeconds });
    } catch (error) {
      if (woken) deps.wakeups.passOn(runner.labels);
      throw error;
    }
    if (task) {
      if (woken) deps.wakeups.passOn(runner.labels);
      return { task, token };
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) return null;
    const result = await deps.wakeups.wait(runner.labels, seen, remaining, signal);
    if (result === 'timeout' || result === 'closed') return null;
    woken = result === 'woken';
  }
}
