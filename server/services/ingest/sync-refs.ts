import type { Sql } from '../../adapters/db/connect.js';
import { loadRefStates, lockRepository } from '../../adapters/db/repositories.js';
import type { RepositoryRow } from '../../adapters/db/repositories.js';
import { listRefs } from '../../adapters/git/index.js';
import { applyUpdates, classifyHookUpdate, diffRefs } from '../../core/refs/diff.js';
import type { RefUpdate } from '../../core/refs/diff.js';
import { recordRefUpdates } from './record-ref-updates.js';
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
export async function syncRefs(sql: Sql, repo: RepositoryRow, gitDir: string, source: EventSource): Promise<SyncResult> {
  return sql.begin(async (tx) => {
    await lockRepository(tx, repo.id);
    const stored = await loadRefStates(tx, repo.id);
    const current = await listRefs(gitDir);
    return { events: await recordRefUpdates(tx, repo.id, diffRefs(stored, current), source) };
  });
}

/**
 * Records the exact updates a post-receive hook reported. An update another door already recorded is
 * dropped; one that no longer fits the stored state (another door moved the ref on) is reconciled by a diff.
 */
export async function recordHookUpdates(sql: Sql, repo: RepositoryRow, gitDir: string, updates: RefUpdate[]): Promise<SyncResult> {
  return sql.begin(async (tx) => {
    await lockRepository(tx, repo.id);
    let stored = await loadRefStates(tx, repo.id);
    const exact: RefUpdate[] = [];
    let stale = false;
    for (const update of updates) {
      const outcome = classifyHookUpdate(stored, update);
      if (outcome === 'record') {
        exact.push(update);
        stored = applyUpdates(stored, [update]);
      } else if (outcome === 'stale') {
        stale = true;
      }
    }
    const events = await recordRefUpdates(tx, repo.id, exact, 'hook');
    if (stale) {
      const now = await loadRefStates(tx, repo.id);
      events.push(...(await recordRefUpdates(tx, repo.id, diffRefs(now, await listRefs(gitDir)), 'hook')));
    }
    return { events };
  });
}
