import type { Sql } from '../../adapters/db/connect.js';
import { SEEN_EVERY_SECONDS, touchRunner } from '../../adapters/db/runners.js';
import type { RunnerRow } from '../../adapters/db/runners.js';

// Which runner a claim comes from. A runner's row never changes after its registration (name, labels and token
// are fixed; only last_seen_at moves), so a runner once found is kept in memory and its claims cost no query,
// except the one that marks it seen, every SEEN_EVERY_SECONDS as before. Unknown tokens are never kept.

const MAX_KEPT = 10_000;

export class RunnerAuth {
  private readonly known = new Map<string, { runner: RunnerRow; seenAt: number }>();

  constructor(private readonly sql: Sql, private readonly now: () => number = Date.now) {}

  async byTokenHash(tokenHash: string): Promise<RunnerRow | null> {
    const kept = this.known.get(tokenHash);
    if (kept && this.now() - kept.seenAt < SEEN_EVERY_SECONDS * 1000) return kept.runner;
    const runner = await touchRunner(this.sql, tokenHash);
    this.known.delete(tokenHash);
    if (!runner) return null;
    if (this.known.size >= MAX_KEPT) this.known.delete(this.known.keys().next().value!); // the longest unseen
    this.known.set(tokenHash, { runner, seenAt: this.now() });
    return runner;
  }
}
