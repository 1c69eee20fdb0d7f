import type { GitRepository } from '../../adapters/git/index.js';
import { isValidRefName, refCandidates } from '../../core/api/ref-names.js';

/** The full ref and commit a branch or tag name (or full ref) names; null when the repository has none. */
export async function resolveRef(git: GitRepository, name: string): Promise<{ ref: string; commit: string } | null> {
  if (!isValidRefName(name)) return null;
  for (const ref of refCandidates(name)) {
    const commit = await git.peel(ref);
    if (commit !== null) return { ref, commit };
  }
  return null;
}

/** The commit a full commit id names (a commit, or a tag of one), when the repository has it. */
export async function commitOf(git: GitRepository, id: string): Promise<string | null> {
  return /^([0-9a-f]{40}|[0-9a-f]{64})$/.test(id) ? git.peel(id) : null;
}
