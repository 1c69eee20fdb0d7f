// Ref-state bookkeeping. Every recorded update moves a ref from its stored value to a new one, so the
// recorded updates of a ref form one chain: two doors (watcher, hook) can never record overlapping ranges.

export const ZERO_SHA = '0000000000000000000000000000000000000000';

export interface RefUpdate {
  ref: string;
  before: string;
  after: string;
}

/** True for the all-zeros id git uses for "no object" (a ref created or deleted), whatever the hash's length. */
export function isZeroSha(sha: string): boolean {
  return /^0+$/.test(sha);
}

/** Updates that take the stored refs to the current ones: created, updated and deleted refs, sorted by ref. */
export function diffRefs(stored: ReadonlyMap<string, string>, current: ReadonlyMap<string, string>): RefUpdate[] {
  const updates: RefUpdate[] = [];
  for (const [ref, after] of current) {
    const before = stored.get(ref) ?? ZERO_SHA;
    if (before !== after) updates.push({ ref, before, after });
  }
  for (const [ref, before] of stored) {
    if (!current.has(ref)) updates.push({ ref, before, after: ZERO_SHA });
  }
  return updates.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
}

export type HookLineOutcome = 'record' | 'already-recorded' | 'stale';

/**
 * What to do with one `<old> <new> <ref>` line a post-receive hook delivered, given the stored state and the
 * ref as it is in the repository now. It is recorded as it is only when it starts from the stored state and
 * is still what the ref points to; otherwise another door got there first, or the ref has moved on since, and
 * a diff of the stored state against the repository reconciles it.
 */
export function classifyHookUpdate(
  stored: ReadonlyMap<string, string>,
  current: ReadonlyMap<string, string>,
  update: RefUpdate,
  /** Updates recorded for the ref so far; 0 when its stored state is only a baseline. */
  version = 1,
): HookLineOutcome {
  const storedSha = stored.get(update.ref) ?? ZERO_SHA;
  if (storedSha === update.after) {
    // A baseline taken just after the push (a repository found at that moment) must not swallow it: no door
    // has recorded anything for this ref, so the hook's exact line is recorded.
    return version === 0 && update.before !== update.after ? 'record' : 'already-recorded';
  }
  if (storedSha === update.before && (current.get(update.ref) ?? ZERO_SHA) === update.after) return 'record';
  return 'stale';
}

/** The refs the service follows: branches and tags (what the watcher lists). */
export function isFollowedRef(ref: string): boolean {
  return ref.startsWith('refs/heads/') || ref.startsWith('refs/tags/');
}

/** Applies recorded updates to a ref-state map (returns a new map). */
export function applyUpdates(stored: ReadonlyMap<string, string>, updates: RefUpdate[]): Map<string, string> {
  const next = new Map(stored);
  for (const u of updates) {
    if (isZeroSha(u.after)) next.delete(u.ref);
    else next.set(u.ref, u.after);
  }
  return next;
}

/**
 * The dedup key of a ref update. The watcher and the hook seeing the same update produce the same key; the
 * ref's version (how many updates were recorded for it before) keeps a repeated A→B (after A→B→A) apart.
 */
export function refUpdateKey(update: RefUpdate, version: number): string {
  return `ref:${update.ref}:${version}:${update.before}:${update.after}`;
}
