import type { Logger } from 'pino';
import type { Sql } from '../../adapters/db/connect.js';
import { appendServiceLogLine } from '../../adapters/db/logs.js';
import { notifyTasksWaiting } from '../../adapters/db/runs.js';
import { STATUS } from '../../adapters/db/status.js';
import { expireLeases } from '../../adapters/db/tasks.js';
import type { ExpiredTask } from '../../adapters/db/tasks.js';
import type { OverdueTask } from '../../adapters/db/external-tasks.js';
import { freedGroups, startNextRuns, startStalledGroups } from '../concurrency/start-next.js';
import { endOverdueHandoffsIn } from './external-tasks.js';
import { rollUpJobs } from './rollup.js';
import { asError } from '../../logger.js';

// Ends attempts whose runner stopped renewing its lease (died, lost the network) and queues the next attempt, and
// tasks handed off to an external system that did not complete them before their deadline. Safe on every replica
// at once: each batch locks the rows it takes with SKIP LOCKED. Handed-off tasks hold no lease: the lease sweep
// never sees them.

export interface LeaseSweeperOptions {
  maxAttempts: number;
  intervalMs: number;
  /** Expired tasks handled per transaction. Default 100. */
  batch?: number;
}

export class LeaseSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(private readonly sql: Sql, private readonly log: Logger, private readonly options: LeaseSweeperOptions) {}

  start(): void {
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running.catch(() => undefined);
  }

  /**
   * Sweeps until no expired lease and no overdue handoff is left; returns the expired leases it ended. Then starts
   * the next run of every concurrency group left with pending runs and nothing in progress (an ending whose
   * follow-up was lost to a crash).
   */
  async sweepOnce(): Promise<ExpiredTask[]> {
    const batch = this.options.batch ?? 100;
    const all: ExpiredTask[] = [];
    for (;;) {
      const ended = await this.sweepBatch(batch);
      all.push(...ended);
      if (ended.length < batch || this.stopped) break;
    }
    for (;;) {
      const ended = await this.sweepHandoffBatch(batch);
      if (ended.length > 0) this.log.info({ tasks: ended.map((t) => t.id) }, `ended ${ended.length} handed-off task(s) past their deadline or cancelled`);
      if (ended.length < batch || this.stopped) break;
    }
    const started = await startStalledGroups(this.sql);
    if (started.length > 0) this.log.info({ runs: started }, `started ${started.length} run(s) their concurrency group was holding back`);
    return all;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.sweepOnce().then(
        (ended) => { if (ended.length > 0) this.log.info({ tasks: ended.map((t) => t.id) }, `expired ${ended.length} task lease(s)`); },
        (error: unknown) => this.log.warn({ err: asError(error) }, 'lease sweep failed; will retry'),
      ).finally(() => this.schedule());
    }, this.options.intervalMs);
    this.timer.unref();
  }

  private async sweepBatch(limit: number): Promise<ExpiredTask[]> {
    const { ended, rollups } = await this.sql.begin(async (tx) => {
      const ended = await expireLeases(tx, { maxAttempts: this.options.maxAttempts, limit });
      if (ended.length === 0) return { ended, rollups: [] };
      for (const task of ended) await appendServiceLogLine(tx, task.id, describe(task, this.options.maxAttempts));
      const rollups = await rollUpJobs(tx, ended.map((t) => t.job_id));
      const repositories = new Set(ended.filter((t) => t.requeued_task_id !== null).map((t) => t.repository_id));
      for (const repositoryId of repositories) await notifyTasksWaiting(tx, repositoryId);
      return { ended, rollups };
    });
    await startNextRuns(this.sql, freedGroups(rollups));
    return ended;
  }

  private async sweepHandoffBatch(limit: number): Promise<OverdueTask[]> {
    const { ended, rollups } = await this.sql.begin((tx) => endOverdueHandoffsIn(tx, limit));
    await startNextRuns(this.sql, freedGroups(rollups));
    return ended;
  }
}

function describe(task: ExpiredTask, maxAttempts: number): string {
  const base = `[plue] attempt ${task.attempt} lost: its runner${task.runner_id ? ` (#${task.runner_id})` : ''} stopped renewing the lease`;
  if (task.status === STATUS.cancelled) return `${base}; the run is cancelled, so it is not retried`;
  if (task.requeued_task_id !== null) return `${base}; attempt ${task.attempt + 1} of ${maxAttempts} is queued as task ${task.requeued_task_id}`;
  return `${base}; that was the last of ${maxAttempts} attempts, so the job fails`;
}
