import type { Sql } from '../../adapters/db/connect.js';
import { SEEN_EVERY_SECONDS, runnerById, touchRunner } from '../../adapters/db/runners.js';
import type { RunnerRow } from '../../adapters/db/runners.js';
import { probeTask } from '../../adapters/db/tasks.js';

// Which runner a claim comes from. A runner's row never changes after its registration (name, labels and token
// are fixed; only last_seen_at moves), so a runner once found is kept in memory and its claims cost no query,
// except the one that marks it seen, every SEEN_EVERY_SECONDS as before. Unknown tokens are never kept.

const MAX_KEPT = 10_000;

export class RunnerAuth {
  private readonly known = new Map<string, { runner: RunnerRow; seenAt: number }>();
  private readonly byIds = new Map<number, RunnerRow>();

  constructor(private readonly sql: Sql, private readonly now: () => number = Date.now) {}

  async byTokenHash(tokenHash: string): Promise<RunnerRow | null> {
    const kept = this.known.get(tokenHash);
    if (kept && this.now() - kept.seenAt < SEEN_EVERY_SECONDS * 1000) return kept.runner;
    const runner = await touchRunner(this.sql, tokenHash);
    this.known.delete(tokenHash);
    if (!runner) return null;
    if (this.known.size >= MAX_KEPT) this.known.delete(this.known.keys().next().value!); // the longest unseen
    this.known.set(tokenHash, { runner, seenAt: this.now() });
    this.keep(runner);
    return runner;
  }

  /** The runner a task token was given to (whose claim is proof enough of who it is). */
  async byId(id: number): Promise<RunnerRow | null> {
    const runner = this.byIds.get(id) ?? await runnerById(this.sql, id);
    if (runner) this.keep(runner);
    return runner;
  }

  /** The runner a task token was given to; null for a token that is not the task's. */
  async ofTask(taskId: number, tokenHash: string): Promise<RunnerRow | null> {
    const probe = await probeTask(this.sql, taskId, tokenHash);
    return probe?.runner_id == null ? null : this.byId(probe.runner_id);
  }

  private keep(runner: RunnerRow): void {
    this.byIds.delete(runner.id);
    if (this.byIds.size >= MAX_KEPT) this.byIds.delete(this.byIds.keys().next().value!);
    this.byIds.set(runner.id, runner);
  }
}
