import { repositoriesWithPendingEvents } from '../../adapters/db/events.js';
import { triggerNextBatch } from './trigger-event.js';
import type { TriggerDeps } from './trigger-event.js';
import { asError } from '../../logger.js';

// Drains pending events: at once for repositories kicked in-process, and by polling for everything else
// (events recorded by another replica, events left by a crash, retries).

export interface TriggerLoopOptions {
  pollMs?: number;
  concurrency?: number;
  /** Called after each event is processed (tests and benchmarks wait on it). */
  onProcessed?(repositoryId: number): void;
}

export class TriggerLoop {
  private readonly queue = new Set<number>();
  private readonly active = new Set<number>();
  private running = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly deps: TriggerDeps, private readonly options: TriggerLoopOptions = {}) {}

  start(): void {
    this.stopped = false;
    void this.poll();
  }

  kick(repositoryId: number): void {
    if (this.stopped) return;
    this.queue.add(repositoryId);
    this.pump();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.queue.clear();
    await this.idle();
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.running === 0 && this.queue.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async poll(): Promise<void> {
    if (this.stopped) return;
    try {
      for (const id of await repositoriesWithPendingEvents(this.deps.sql)) this.kick(id);
    } catch (error) {
      this.deps.log.warn({ err: asError(error) }, 'cannot read pending events; retrying');
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.poll(), this.options.pollMs ?? 1000);
  }

  private pump(): void {
    const limit = this.options.concurrency ?? 4;
    for (const id of this.queue) {
      if (this.running >= limit) break;
      if (this.active.has(id)) continue;
      this.queue.delete(id);
      this.active.add(id);
      this.running++;
      void this.drain(id).finally(() => {
        this.active.delete(id);
        this.running--;
        this.pump();
        if (this.running === 0 && this.queue.size === 0) {
          for (const resolve of this.idleWaiters.splice(0)) resolve();
        }
      });
    }
  }

  private async drain(repositoryId: number): Promise<void> {
    while (!this.stopped) {
      let batch;
      try {
        batch = await triggerNextBatch(this.deps, repositoryId);
      } catch (error) {
        this.deps.log.warn({ repository_id: repositoryId, err: asError(error) }, 'trigger failed; the event stays pending');
        return;
      }
      if (batch.outcome !== 'processed') return;
      this.options.onProcessed?.(repositoryId);
      if (!batch.full) return;
    }
  }
}
