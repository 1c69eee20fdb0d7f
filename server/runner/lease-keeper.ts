import { performance } from 'node:perf_hooks';
import type { RunnerClient } from './client.js';
import { LeaseLostError } from './client.js';
import type { Task } from './protocol.js';

// Keeps a task's lease: one heartbeat always outstanding, held by the server for about lease/3 (a long poll that
// it answers early when the run is cancelled), and a local deadline. The server ends the lease `lease_seconds`
// after it received the last renewal, so a renewal counts from when it was SENT (on the monotonic clock, which
// neither the server's clock nor a changed wall clock can move): past that time minus a margin the runner must
// assume the task is someone else's, even when no reply told it so (a silent server, a lost network).

export interface LeaseEvents {
  /** A heartbeat said the run was cancelled. */
  cancelled(): void;
  /** The lease is gone: the server said so (`byServer`), or the local deadline passed. */
  lost(reason: string, byServer: boolean): void;
}

/** The most a server lets a heartbeat wait (docs/runners.md): half the lease, at most 60 s. */
const MAX_HOLD_MS = 60_000;

/** How long the server may hold a long poll of a task with this lease (heartbeats, waits for events). */
export function maxHoldSeconds(leaseSeconds: number): number {
  return Math.min(MAX_HOLD_MS / 1000, leaseSeconds / 2);
}

export class LeaseKeeper {
  /** A renewal about this often: each heartbeat asks to be held this long. */
  readonly everyMs: number;
  /** How long before the server's end of the lease the runner gives up. */
  readonly marginMs: number;
  /** Heartbeats are sent no closer than this: a server that answers early (or fails fast) is not asked in a loop. */
  readonly minGapMs: number;
  private deadline = 0;
  private cancelled = false;
  private deadlineTimer: NodeJS.Timeout | null = null;
  private beating: Promise<void> = Promise.resolve();
  private readonly stopBeats = new AbortController();
  private stopped = false;

  constructor(
    private readonly client: RunnerClient,
    private readonly task: Pick<Task, 'id' | 'token' | 'lease_seconds'>,
    private readonly events: LeaseEvents,
  ) {
    const leaseMs = task.lease_seconds * 1000;
    // Whole milliseconds, so that the timers and the held heartbeat's wait derived from them stay exact.
    this.everyMs = Math.min(MAX_HOLD_MS, Math.max(200, Math.floor(leaseMs / 3)));
    this.marginMs = Math.min(5_000, leaseMs / 4);
    this.minGapMs = Math.min(1_000, this.everyMs);
  }

  now(): number {
    return performance.now();
  }

  /**
   * Starts at `claimedAt`, when the claim's reply arrived: the claim is a long poll, so its sending time says
   * nothing about when the lease began; the reply's transit is what the margin covers.
   */
  start(claimedAt = this.now()): void {
    this.renewed(claimedAt);
    this.beating = this.beat();
  }

  /** A renewal sent at `sentAt` (monotonic) was accepted. */
  renewed(sentAt: number): void {
    if (this.stopped) return;
    const deadline = sentAt + this.task.lease_seconds * 1000 - this.marginMs;
    if (deadline <= this.deadline) return;
    this.deadline = deadline;
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = setTimeout(() => {
      if (this.stopped) return;
      this.events.lost(`no heartbeat got through for ${Math.round((this.now() - sentAt) / 1000)} s; the lease of ${this.task.lease_seconds} s is over`, false);
    }, Math.max(0, deadline - this.now()));
  }

  /** Stops the heartbeats (an in-flight one is abandoned) and the deadline. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopBeats.abort();
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = null;
    await this.beating;
  }

  private async beat(): Promise<void> {
    while (!this.stopped) {
      const sentAt = this.now();
      // Once the run is being cancelled every heartbeat is answered at once: from then on one every lease/3 keeps
      // the lease until the final status is in.
      const holdMs = this.cancelled ? 0 : this.everyMs;
      let nextAt = sentAt + this.minGapMs;
      try {
        const reply = await this.client.heartbeat(this.task, {
          waitSeconds: holdMs / 1000, signal: this.stopBeats.signal, timeoutMs: holdMs + Math.max(1_000, this.marginMs),
        });
        if (this.stopped) return;
        this.renewed(sentAt);
        if (reply.cancelled) {
          nextAt = sentAt + this.everyMs;
          if (!this.cancelled) {
            this.cancelled = true;
            this.events.cancelled();
          }
        }
      } catch (error) {
        if (this.stopped) return;
        if (error instanceof LeaseLostError) {
          this.events.lost(`the server says so (${error.message})`, true);
          return;
        }
        // Failed or too slow: try again shortly; the deadline says when it is too late.
      }
      await delay(nextAt - this.now(), this.stopBeats.signal);
    }
  }
}

/** Waits `ms`, or less when `signal` aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}
