// Which ref updates of one push come first when a push moves more refs than get events: the default branch,
// then the other branches, then tags, each in name order.
import type { RefUpdate } from './diff.js';

export function byPushPriority(updates: readonly RefUpdate[], defaultBranch: string | null): RefUpdate[] {
  const rank = (ref: string) => (ref === `refs/heads/${defaultBranch}` ? 0 : ref.startsWith('refs/heads/') ? 1 : 2);
  return [...updates].sort((a, b) => rank(a.ref) - rank(b.ref) || (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
}
