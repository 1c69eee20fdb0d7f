import type { Sql } from '../../adapters/db/connect.js';
import { pipelinedTransaction } from '../../adapters/db/pipelined-transaction.js';
import { loadRefStates, lockRepository } from '../../adapters/db/repositories.js';
import type { RepositoryRow } from '../../adapters/db/repositories.js';
import type { GitRepository } from '../../adapters/git/index.js';
import { applyUpdates, classifyHookUpdate, diffRefs, isFollowedRef } from '../../core/refs/diff.js';
import type { RefUpdate } from '../../core/refs/diff.js';
import { byPushPriority } from '../../core/refs/push-order.js';
import { PushBudget, recordDropped, recordRefUpdates } from './record-ref-updates.js';
import type { EventSource } from './record-ref-updates.js';

export interface SyncResult {
  /** Ids of newly recorded events. */
  events: number[];
}

/**
 * Diffs the repository's refs against the stored state and records the difference.
 * The refs are listed while the repository lock is held, so a list can never be older than the state it is
 * compared with (an older list would record a ref moving backwards).
 */
export async function syncRefs(sql: Sql, repo: RepositoryRow, git: GitRepository, source: EventSource, maxRefs: number): Promise<SyncResult> {
  return sql.begin(async (tx) => {
    await lockRepository(tx, repo.id);
    const state = await loadRefStates(tx, repo.id);
    const current = await git.listRefs();
    const budget = new PushBudget(maxRefs);
    const updates = byPushPriority(diffRefs(state.refs, current), repo.default_branch);
    const events = await recordRefUpdates(tx, repo.id, updates, source, state, state.refs, budget);
    await recordDropped(tx, repo.id, budget, maxRefs);
    return { events };
  });
}

/**
 * Records the exact updates a post-receive hook reported, when they start from the stored state and are still
 * what the refs point to. Anything else (another door got there first, the ref moved on since, a late line) is
 * reconciled by a diff of the stored state against the refs as they are, like the watcher does.
 */
export async function recordHookUpdates(sql: Sql, repo: RepositoryRow, git: GitRepository, updates: RefUpdate[], maxRefs: number): Promise<SyncResult> {
  // BEGIN goes with the lock and the read, COMMIT with the writes (pipelinedTransaction): a push is answered after
  // 2 round trips, whatever the number of its refs, unless something needs reconciling.
  return pipelinedTransaction(sql, async (tx, commitWith) => {
    // One round trip: the read is a statement of its own after the lock, so it sees what the last holder committed.
    const [, state] = await Promise.all([lockRepository(tx, repo.id), loadRefStates(tx, repo.id)]);
    const tipsBefore = state.refs;
    const budget = new PushBudget(maxRefs);
    const followed = byPushPriority(updates.filter((u) => isFollowedRef(u.ref)), repo.default_branch);
    // The hook's refs as they are now; a full list only when something needs reconciling.
    const current = await git.refValues(followed.map((u) => u.ref));
    // A ref on two lines (git never sends that) is left to the reconciling diff, like any line that does not fit.
    const lines = new Map<string, number>();
    for (const update of followed) lines.set(update.ref, (lines.get(update.ref) ?? 0) + 1);
    const outcomes = followed.map((update) =>
      (lines.get(update.ref)! > 1 ? 'stale' : classifyHookUpdate(state.refs, current, update, state.versions.get(update.ref) ?? 0)));
    const recorded = followed.filter((_, i) => outcomes[i] === 'record');
    const stale = outcomes.includes('stale');
    // Nothing else to write (nothing to reconcile, nothing past the budget): COMMIT goes with these writes.
    const last = !stale && recorded.length <= budget.remaining;
    const events = await recordRefUpdates(tx, repo.id, recorded, 'hook', state, tipsBefore, budget, last ? commitWith : undefined);
    if (stale) {
      for (const update of recorded) state.versions.set(update.ref, (state.versions.get(update.ref) ?? 0) + 1);
      state.refs = applyUpdates(state.refs, recorded);
      const rest = byPushPriority(diffRefs(state.refs, await git.listRefs()), repo.default_branch);
      events.push(...(await recordRefUpdates(tx, repo.id, rest, 'hook', state, tipsBefore, budget)));
    }
    await recordDropped(tx, repo.id, budget, maxRefs);
    return { events };
  });
}
