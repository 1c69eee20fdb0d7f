import type { Logger } from 'pino';
import type { Sql } from '../adapters/db/connect.js';
import { LOGS_CHANNEL } from '../adapters/db/logs.js';
import { ResilientListener } from '../adapters/db/listener.js';

// Wakes the dashboard's live log streams when their task's log grows or the task ends (NOTIFY plue_logs, sent by
// every replica in the append's transaction). One LISTEN for the process, started with the first stream.

export class TaskLogNotifier {
  private listener: ResilientListener | null = null;
  private starting: Promise<void> | null = null;
  private readonly waiters = new Map<number, Set<() => void>>();
  private closed = false;

  constructor(private readonly sql: Sql, private readonly log: Logger) {}

  /**
   * Resolves when the task is next notified, after `timeoutMs`, or when `signal` aborts. Call it before reading
   * the log, then await it: a line stored between the read and the await still wakes it.
   */
  next(taskId: number, timeoutMs: number, signal: AbortSignal): { woken: Promise<void>; ready: Promise<void> } {
    let wake!: () => void;
    const woken = new Promise<void>((resolve) => { wake = resolve; });
    const set = this.waiters.get(taskId) ?? new Set();
    this.waiters.set(taskId, set);
    set.add(wake);
    const timer = setTimeout(wake, timeoutMs);
    signal.addEventListener('abort', wake, { once: true });
    void woken.then(() => {
      clearTimeout(timer);
      signal.removeEventListener('abort', wake);
      set.delete(wake);
      if (set.size === 0 && this.waiters.get(taskId) === set) this.waiters.delete(taskId);
    });
    return { woken, ready: this.start() };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const set of this.waiters.values()) for (const wake of set) wake();
    await this.starting?.catch(() => undefined);
    await this.listener?.close();
  }

  private start(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.starting ??= (async () => {
      const listener = new ResilientListener(this.sql, this.log, LOGS_CHANNEL, {
        notified: (payload) => this.wake(Number(payload)),
        // Notifications may have been lost: every stream looks again.
        relistened: () => { for (const id of [...this.waiters.keys()]) this.wake(id); },
      });
      await listener.start();
      this.listener = listener;
      if (this.closed) await listener.close();
    })().catch((error: unknown) => {
      this.starting = null; // the next stream tries again; meanwhile streams fall back on their timeout
      throw error;
    });
    return this.starting;
  }

  private wake(taskId: number): void {
    for (const wake of [...(this.waiters.get(taskId) ?? [])]) wake();
  }
}
