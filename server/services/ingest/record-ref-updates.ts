import { recordEvent } from '../../adapters/db/events.js';
import type { Queryable } from '../../adapters/db/queryable.js';
import { setRefState } from '../../adapters/db/repositories.js';
import { isZeroSha, refUpdateKey } from '../../core/refs/diff.js';
import type { RefUpdate } from '../../core/refs/diff.js';

export type EventSource = 'watcher' | 'hook' | 'startup';

export interface PushPayload {
  ref: string;
  before: string;
  after: string;
  [key: string]: unknown;
}

/**
 * Records ref updates as push events and moves the stored ref state with them.
 * Runs inside the caller's transaction, which holds the repository lock. Returns the ids of new events.
 */
export async function recordRefUpdates(
  tx: Queryable,
  repositoryId: number,
  updates: RefUpdate[],
  source: EventSource,
): Promise<number[]> {
  const ids: number[] = [];
  for (const update of updates) {
    const payload: PushPayload = { ref: update.ref, before: update.before, after: update.after };
    const id = await recordEvent(tx, {
      repository_id: repositoryId, kind: 'push', dedup_key: refUpdateKey(update), payload, source,
    });
    if (id !== null) ids.push(id);
    await setRefState(tx, repositoryId, update.ref, isZeroSha(update.after) ? null : update.after);
  }
  return ids;
}
