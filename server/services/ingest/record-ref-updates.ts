import { recordDroppedRefUpdates, recordEvent } from '../../adapters/db/events.js';
import type { CommitWith } from '../../adapters/db/pipelined-transaction.js';
import type { Queryable } from '../../adapters/db/queryable.js';
import { setRefState, setRefStates } from '../../adapters/db/repositories.js';
import type { RefStates } from '../../adapters/db/repositories.js';
import { isZeroSha, refUpdateKey } from '../../core/refs/diff.js';
import type { RefUpdate } from '../../core/refs/diff.js';

export type EventSource = 'watcher' | 'hook' | 'startup';

export interface PushPayload {
  ref: string;
  before: string;
  after: string;
  /** For a new ref: the other refs' tips when it was recorded. */
  known_tips?: string[];
  [key: string]: unknown;
}

// A new ref's changed files are the commits no other ref had when it was pushed: its payload keeps the other
// refs' tips of that moment (up to this many), so triggering later, or a ref pushed beside it, doesn't change them.
const MAX_KNOWN_TIPS = 1000;

/**
 * How many ref updates of one push get events (PLUE_MAX_REFS_PER_PUSH). Past it, refs still move in the stored
 * state, so they are not seen again, but get no event; they are recorded in one failed event that names them.
 */
export class PushBudget {
  readonly dropped: RefUpdate[] = [];
  constructor(public remaining: number) {}

  take(update: RefUpdate): boolean {
    if (this.remaining > 0) {
      this.remaining--;
      return true;
    }
    this.dropped.push(update);
    return false;
  }
}

/**
 * Records ref updates as push events and moves the stored ref state with them. Each update must start from the
 * stored state, and name a ref of its own. Runs inside the caller's transaction, which holds the repository lock;
 * the statements go in one round trip, with COMMIT when the caller passes `commitWith` (these are its last).
 * Returns the new events' ids.
 */
export async function recordRefUpdates(
  tx: Queryable, // statements are pipelined: a transaction or a reserved connection, never the pool
  repositoryId: number,
  updates: RefUpdate[],
  source: EventSource,
  state: RefStates,
  /** The refs before the push being recorded: a new ref's commits are those none of these had. */
  tipsBefore: ReadonlyMap<string, string> = state.refs,
  budget?: PushBudget,
  commitWith?: CommitWith,
): Promise<number[]> {
  const recorded: Array<Promise<number | null>> = [];
  const written: Array<Promise<unknown>> = [];
  const moved: Array<{ ref: string; sha: string | null }> = [];
  for (const update of updates) {
    if (budget && !budget.take(update)) {
      moved.push({ ref: update.ref, sha: isZeroSha(update.after) ? null : update.after });
      continue;
    }
    const payload: PushPayload = { ref: update.ref, before: update.before, after: update.after };
    if (isZeroSha(update.before) && tipsBefore.size <= MAX_KNOWN_TIPS) {
      payload.known_tips = [...new Set([...tipsBefore].filter(([ref]) => ref !== update.ref).map(([, sha]) => sha))];
    }
    const version = state.versions.get(update.ref) ?? 0;
    // Pipelined: they run in this order on the transaction's connection.
    recorded.push(recordEvent(tx, { repository_id: repositoryId, kind: 'push', dedup_key: refUpdateKey(update, version), payload, source }));
    written.push(setRefState(tx, repositoryId, update.ref, isZeroSha(update.after) ? null : update.after));
  }
  // Past the budget, refs move in bulk: a push of thousands of refs costs a few statements, not thousands.
  if (moved.length > 0) written.push(setRefStates(tx, repositoryId, moved));
  if (commitWith) written.push(commitWith());
  const [ids] = await Promise.all([Promise.all(recorded), Promise.all(written)]);
  return ids.filter((id): id is number => id !== null);
}

/** One failed event naming what a push moved past its budget, so that it can be seen (`GET …/events/:id`, logs). */
export async function recordDropped(tx: Queryable, repositoryId: number, budget: PushBudget, limit: number): Promise<void> {
  if (budget.dropped.length === 0) return;
  const refs = budget.dropped.map((u) => u.ref);
  await recordDroppedRefUpdates(tx, repositoryId, {
    limit, count: refs.length, refs: refs.slice(0, 100),
    message: `${refs.length} ref update(s) past the limit of ${limit} per push (PLUE_MAX_REFS_PER_PUSH) started nothing: ${refs.slice(0, 10).join(', ')}${refs.length > 10 ? ', …' : ''}`,
  });
}
