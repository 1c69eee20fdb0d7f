// Ref-state bookkeeping. Every recorded update moves a ref from its stored value to a new one, so the
// recorded updates of a ref form one chain: two doors (watcher, hook) can never record overlapping ranges.

export const ZERO_SHA = '0000000000000000000000000000000000000000';

export interface RefUpdate {
  ref: string;
  before: string;
  after: string;
}

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
 * What to do with one `<old> <new> <ref>` line a post-receive hook delivered, given the stored state.
 * `stale` means another door has already moved the ref past `old`; a re-list of the refs reconciles it.
 */
export function classifyHookUpdate(stored: ReadonlyMap<string, string>, update: RefUpdate): HookLineOutcome {
  const current = stored.get(update.ref) ?? ZERO_SHA;
  if (current === update.after) return 'already-recorded';
  if (current === update.before) return 'record';
  return 'stale';
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

/** The dedup key of a ref update: the watcher and the hook seeing the same update produce the same key. */
export function refUpdateKey(update: RefUpdate): string {
  return `ref:${update.ref}:${update.before}:${update.after}`;
}
