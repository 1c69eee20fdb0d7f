import type { Logger } from 'pino';
import type { Sql } from '../../adapters/db/connect.js';
import { ResilientListener } from '../../adapters/db/listener.js';
import { TASKS_CHANNEL } from '../../adapters/db/runs.js';

// Wakes claim requests that are waiting for work. One LISTEN connection per process hears `plue_tasks`, which any
// replica notifies when it queues tasks, so a runner waiting here gets a task created anywhere.
//
// Fairness without a thundering herd: waiters queue per label set (FIFO). A notification wakes the oldest waiter
// of each label set; a woken waiter that gets a task wakes the next one of its set (there may be more work), one
// that gets nothing ends the chain. A claim that was running while a notification arrived sees the generation
// change and claims again instead of sleeping, so no notification falls between a claim and its wait.

export type WaitResult = 'woken' | 'timeout' | 'aborted' | 'closed';

export interface WakeupOptions {
  /** Wake every label set this often even without a notification, in case one was lost. Default 5 s. */
  pollMs?: number;
  /** How often to check that the LISTEN connection still hears us (a self-addressed ping). Default 30 s. */
  pingMs?: number;
}

interface Waiter {
  resolve(result: WaitResult): void;
}

export function labelSetKey(labels: readonly string[]): string {
  return JSON.stringify([...new Set(labels)].sort());
}

export class TaskWakeups {
  /** Bumped by every notification; a claimer compares it before and after its claim. */
  generation = 0;
  private readonly queues = new Map<string, Waiter[]>();
  private readonly listener: ResilientListener;
  private pollTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(sql: Sql, log: Logger, private readonly options: WakeupOptions = {}) {
    // After a lost connection notifications may have been missed: everyone claims again.
    const signal = () => this.signal();
    this.listener = new ResilientListener(sql, log, TASKS_CHANNEL, { notified: signal, relistened: signal }, options.pingMs);
  }

  async start(): Promise<void> {
    await this.listener.start();
    const pollMs = this.options.pollMs ?? 5_000;
    if (pollMs > 0) this.pollTimer = setInterval(() => this.signal(), pollMs).unref();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Number of claims waiting right now (all label sets). */
  get waiting(): number {
    let n = 0;
    for (const queue of this.queues.values()) n += queue.length;
    return n;
  }

  /** Tasks may have arrived: wake the oldest waiter of each label set. */
  signal(): void {
    this.generation++;
    for (const key of [...this.queues.keys()]) this.wakeOne(key, 'woken');
  }

  /** A woken claimer got a task: let the next waiter with the same labels try too. */
  passOn(labels: readonly string[]): void {
    this.wakeOne(labelSetKey(labels), 'woken');
  }

  /**
   * Waits until woken, `timeoutMs` passed, `signal` aborted or the process stops. Returns 'woken' at once when a
   * notification came after the caller read `seenGeneration`.
   */
  wait(labels: readonly string[], seenGeneration: number, timeoutMs: number, signal?: AbortSignal): Promise<WaitResult> {
    if (this.closed) return Promise.resolve('closed');
    if (signal?.aborted) return Promise.resolve('aborted');
    if (this.generation !== seenGeneration) return Promise.resolve('woken');
    const key = labelSetKey(labels);
    return new Promise<WaitResult>((resolve) => {
      const queue = this.queues.get(key) ?? [];
      this.queues.set(key, queue);
      const finish = (result: WaitResult) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const index = queue.indexOf(waiter);
        if (index >= 0) queue.splice(index, 1);
        if (queue.length === 0 && this.queues.get(key) === queue) this.queues.delete(key);
        resolve(result);
      };
      const waiter: Waiter = { resolve: finish };
      const onAbort = () => finish('aborted');
      const timer = setTimeout(() => finish('timeout'), Math.max(0, timeoutMs));
      signal?.addEventListener('abort', onAbort, { once: true });
      queue.push(waiter);
    });
  }

  /** Answers every waiter ('closed') and stops listening. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    for (const queue of [...this.queues.values()]) for (const w of [...queue]) w.resolve('closed');
    await this.listener.close();
  }

  private wakeOne(key: string, result: WaitResult): void {
    this.queues.get(key)?.[0]?.resolve(result);
  }
}
