// Ancestry questions git answers better than a walk through the object reader: long histories, merge bases.
import { objectName, runGit } from './run.js';

/**
 * True when commit `ancestor` is reachable from `descendant` (a commit is its own ancestor).
 * Both must exist: a missing one throws GitError.
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
