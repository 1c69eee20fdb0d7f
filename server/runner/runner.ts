import type { RunnerClient } from './client.js';
import { TaskExecution } from './execute-task.js';
import type { Outcome } from './execute-task.js';
import type { Task } from './protocol.js';
import { setTimeout as sleep } from 'node:timers/promises';

// The reference runner: `concurrency` slots, each claiming a task (a long poll), running it, and claiming again.
// Shutting down stops claiming, lets running tasks finish within a grace period, and gives back the rest.

export interface RunnerOptions {
  client: RunnerClient;
  /** Narrow the labels this process takes work for (a subset of the registered ones). */
  labels?: string[];
  concurrency?: number;
  /** How long one claim request waits for work. Default 30 s. */
  waitSeconds?: number;
  log?: (message: string) => void;
  /** Called when a task ends, with what became of it. */
  onTaskEnd?: (task: Task, outcome: Outcome) => void;
}

export class Runner {
  private readonly executions = new Set<TaskExecution>();
  private readonly claims = new AbortController();
  private stopping = false;
  private slots: Promise<void>[] = [];

  constructor(private readonly options: RunnerOptions) {}

  get running(): number {
    return this.executions.size;
  }

  start(): void {
    const concurrency = this.options.concurrency ?? 1;
    this.slots = Array.from({ length: concurrency }, () => this.slot());
  }

  /** Resolves when every slot has stopped. */
  done(): Promise<void> {
    return Promise.all(this.slots).then(() => undefined);
  }

  /** Stops claiming; tasks still running after `graceMs` are stopped and given back. */
  async shutdown(graceMs = 30_000): Promise<void> {
    this.stopping = true;
    this.claims.abort();
    const settled = this.done();
    const timer = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), graceMs).unref());
    if ((await Promise.race([settled.then(() => 'done' as const), timer])) === 'late') {
      for (const execution of this.executions) {
        this.log(`giving task ${execution.task.id} back`);
        execution.stop('released');
      }
    }
    await settled;
  }

  private log(message: string): void {
    this.options.log?.(message);
  }

  private async slot(): Promise<void> {
    let backoffMs = 500;
    while (!this.stopping) {
      let task: Task | null;
      try {
        task = await this.options.client.claim(this.options.waitSeconds ?? 30, { labels: this.options.labels, signal: this.claims.signal });
        backoffMs = 500;
      } catch (error) {
        if (this.stopping) return;
        this.log(`claim failed: ${(error as Error).message}; retrying in ${backoffMs / 1000} s`);
        await sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 30_000);
        continue;
      }
      if (!task) continue;
      const execution = new TaskExecution(this.options.client, task, (m) => this.log(m));
      this.executions.add(execution);
      this.log(`task ${task.id} (${task.repository.owner}/${task.repository.name} run #${task.run.number}, attempt ${task.attempt}): started`);
      try {
        const outcome = await execution.run();
        this.log(`task ${task.id}: ${outcome}`);
        this.options.onTaskEnd?.(task, outcome);
      } catch (error) {
        this.log(`task ${task.id}: runner error: ${(error as Error).stack ?? String(error)}`);
      } finally {
        this.executions.delete(execution);
      }
    }
  }
}
