import type { Logger } from 'pino';
import type { Sql } from '../../adapters/db/connect.js';
import { ResilientListener } from '../../adapters/db/listener.js';

// Wakes requests that wait for something to happen to one run (today: a cancel, for held heartbeats). Whoever
// changes the run notifies a channel with the run's id in the same transaction, so it is heard on every replica at
// commit; one LISTEN per process hears it. A signal only says "look again": the woken request reads the run, so a
// repeated or spurious signal costs one query and nothing else. After a lost LISTEN connection every watch is
// woken; a held heartbeat ends after its wait anyway, which bounds how long a signal the fallbacks miss can go
// unheard.

export type RunSignalResult = 'signalled' | 'timeout' | 'aborted' | 'closed';

export interface RunWatch {
  /**
   * Waits for a signal of `runId` (always the same run for one watch): at once when one came since the watch began
   * or since the last wait returned. Also ends after `timeoutMs`, when `abort` fires, or when the process stops.
   */
  wait(runId: number, timeoutMs: number, abort?: AbortSignal): Promise<RunSignalResult>;
  /** Stops watching. */
  end(): void;
}

export class RunSignals {
  /** Watches that do not know their run yet remember every run signalled meanwhile. */
  private readonly unplaced = new Set<Watch>();
  private readonly byRun = new Map<number, Set<Watch>>();
  private readonly listener: ResilientListener;
  private closed = false;

  constructor(sql: Sql, log: Logger, channel: string, options: { pingMs?: number } = {}) {
    this.listener = new ResilientListener(sql, log, channel, {
      notified: (payload) => {
        const runId = Number(payload);
        if (Number.isSafeInteger(runId)) this.signal(runId);
      },
      relistened: () => this.signalAll(),
    }, options.pingMs);
  }

  start(): Promise<void> {
    return this.listener.start();
  }

  /** Watches waiting right now. */
  get waiting(): number {
    let n = 0;
    for (const watch of this.all()) if (watch.isWaiting) n++;
    return n;
  }

  /**
   * Starts hearing signals before the caller has read which run it waits on (and the run's state): a signal sent
   * between that read and the wait is not lost.
   */
  watch(): RunWatch {
    const watch = new Watch(this);
    if (this.closed) watch.fire('closed');
    else this.unplaced.add(watch);
    return watch;
  }

  signal(runId: number): void {
    for (const watch of [...this.unplaced, ...(this.byRun.get(runId) ?? [])]) watch.hear(runId);
  }

  /** Every run may have changed (notifications were lost): every watch looks again. */
  signalAll(): void {
    for (const watch of this.all()) watch.hear(null);
  }

  /** Answers every watch ('closed') and stops listening. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const watch of this.all()) watch.fire('closed');
    await this.listener.close();
  }

  /** @internal The watch now knows its run. */
  place(watch: Watch, runId: number): void {
    if (!this.unplaced.delete(watch)) return;
    const watches = this.byRun.get(runId) ?? new Set();
    this.byRun.set(runId, watches.add(watch));
  }

  /** @internal */
  remove(watch: Watch, runId: number | null): void {
    this.unplaced.delete(watch);
    if (runId === null) return;
    const watches = this.byRun.get(runId);
    if (watches?.delete(watch) && watches.size === 0) this.byRun.delete(runId);
  }

  private all(): Watch[] {
    return [...this.unplaced, ...[...this.byRun.values()].flatMap((watches) => [...watches])];
  }
}

class Watch implements RunWatch {
  private runId: number | null = null;
  /** Runs signalled before the watch knew its run. */
  private readonly heardEarly = new Set<number>();
  /** What the next wait answers at once. 'closed' stays. */
  private due: RunSignalResult | null = null;
  private wake: ((result: RunSignalResult) => void) | null = null;

  constructor(private readonly signals: RunSignals) {}

  get isWaiting(): boolean {
    return this.wake !== null;
  }

  /** `runId` was signalled; null: any run may have been. */
  hear(runId: number | null): void {
    if (this.runId === null && runId !== null) this.heardEarly.add(runId);
    else if (runId === null || runId === this.runId) this.fire('signalled');
  }

  fire(result: RunSignalResult): void {
    if (this.wake) this.wake(result);
    else if (this.due !== 'closed') this.due = result;
  }

  wait(runId: number, timeoutMs: number, abort?: AbortSignal): Promise<RunSignalResult> {
    if (this.runId === null) {
      this.runId = runId;
      if (this.heardEarly.has(runId)) this.due ??= 'signalled';
      this.heardEarly.clear();
      this.signals.place(this, runId);
    }
    const due = this.due;
    if (due) {
      if (due !== 'closed') this.due = null;
      return Promise.resolve(due);
    }
    if (abort?.aborted) return Promise.resolve('aborted');
    return new Promise((resolve) => {
      const finish = (result: RunSignalResult) => {
        clearTimeout(timer);
        abort?.removeEventListener('abort', onAbort);
        this.wake = null;
        resolve(result);
      };
      const onAbort = () => finish('aborted');
      const timer = setTimeout(() => finish('timeout'), Math.max(0, timeoutMs));
      abort?.addEventListener('abort', onAbort, { once: true });
      this.wake = finish;
    });
  }

  end(): void {
    this.wake?.('closed');
    this.signals.remove(this, this.runId);
  }
}
