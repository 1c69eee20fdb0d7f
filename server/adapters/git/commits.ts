// Questions about commits: existence and ancestry.
import { objectName, runGit } from './run.js';

/** True for the all-zeros id git uses for "no object" (ref created / deleted). */
export function isZeroId(id: string): boolean {
  return /^0+$/.test(id);
}

/**
 * True when `id` names an object git has that peels to a commit (a commit, or an
 * annotated tag of one). False when it is missing (e.g. gc'd after a force-push).
 */
export async function commitExists(gitDir: string, id: string): Promise<boolean> {
  if (isZeroId(id)) return false;
  const { exitCode } = await runGit(['rev-parse', '-q', '--verify', `${objectName(id)}^{commit}`], {
    gitDir,
    okExitCodes: [0, 1],
  });
  return exitCode === 0;
}

/**
 * True when commit `ancestor` is reachable from `descendant` (a commit is its own
 * ancestor). A push is forced when the old tip is not an ancestor of the new one.
 * Both must exist (check with commitExists): a missing one throws GitError.
 */
export async function isAncestor(gitDir: string, ancestor: string, descendant: string): Promise<boolean> {
  const { exitCode } = await runGit(['merge-base', '--is-ancestor', objectName(ancestor), objectName(descendant)], {
    gitDir,
    okExitCodes: [0, 1],
  });
  return exitCode === 0;
}

/** The best common ancestor of two commits, or null when they share no history. */
export async function mergeBase(gitDir: string, a: string, b: string): Promise<string | null> {
  const { stdout, exitCode } = await runGit(['merge-base', objectName(a), objectName(b)], { gitDir, okExitCodes: [0, 1] });
  return exitCode === 0 ? stdout.toString('utf8').trim() || null : null;
}
