// Files a push changed, for `paths` filters.
//
// Caps (the lead documents them for users): at most `maxFiles` paths (default 3000)
// and, for a new ref, at most `maxCommits` new commits (default 1000). Past either,
// the list is cut and `truncated` is true; the matcher then treats path filters as
// matched, like GitHub runs the workflow when a push has more than 1000 commits.
// (GitHub only looks at the first 300 files; we look further by default.)
import { runGit, streamGitRecords } from './run.js';

export const DEFAULT_MAX_CHANGED_FILES = 3000;
export const DEFAULT_MAX_NEW_COMMITS = 1000;

export interface ChangedFilesQuery {
  /** Old object id of the ref; all zeros when the push created it. */
  before: string;
  /** New object id of the ref; all zeros when the push deleted it. */
  after: string;
  /** Full ref name, e.g. `refs/heads/feature`. */
  ref: string;
  maxFiles?: number;
  maxCommits?: number;
  /**
   * For a new ref: commits the repository already had, e.g. the tips of the stored
   * ref state before this push (missing ids are ignored). Commits reachable from
   * them are not "new". Default: the current tips of every ref except `ref`.
   */
  knownTips?: readonly string[];
}

export interface ChangedFilesResult {
  /** Repository-relative paths, sorted, deletions included. */
  files: string[];
  truncated: boolean;
  /**
   * How they were found: `diff` of the before and after trees (an update, forced or
   * not); `new-commits` union of the files each new commit changed (a new ref, or
   * an update whose before commit is no longer in the repository); `none` (deleted
   * ref, or `after` is not a commit).
   */
  basis: 'diff' | 'new-commits' | 'none';
}

/** Collects distinct NUL-separated paths from a git command, stopping past maxFiles. */
async function collectPaths(gitDir: string, args: string[], input: string | undefined, maxFiles: number) {
  const paths = new Set<string>();
  let truncated = false;
  await streamGitRecords(args, { gitDir, input, separator: '\0' }, (record) => {
    if (record.length === 0) return true;
    const path = record.toString('utf8');
    if (paths.has(path)) return true;
    if (paths.size >= maxFiles) {
      truncated = true;
      return false;
    }
    paths.add(path);
    return true;
  });
  return { files: [...paths].sort(), truncated };
}

/** Tips of every ref except `ref` (branches, tags, remotes, notes...). */
export async function otherRefTips(gitDir: string, ref: string): Promise<string[]> {
  const { stdout } = await runGit(['for-each-ref', '--format=%(objectname) %(refname)', 'refs/'], { gitDir });
  const tips: string[] = [];
  for (const line of stdout.toString('utf8').split('\n')) {
    const space = line.indexOf(' ');
    if (space !== -1 && line.slice(space + 1) !== ref) tips.push(line.slice(0, space));
  }
  return tips;
}

/**
 * Files changed by the commits reachable from `after` and from none of `knownCommits` (a new ref, or an update
 * whose old tip is gone from the repository). Merge commits list no files of their own: the commits they bring
 * in are listed, unless already known.
 */
export async function filesOfNewCommits(
  gitDir: string,
  after: string,
  knownCommits: readonly string[],
  limits: { maxFiles: number; maxCommits: number },
): Promise<ChangedFilesResult> {
  const { maxFiles, maxCommits } = limits;
  const { stdout } = await runGit(['rev-list', `--max-count=${maxCommits + 1}`, '--stdin'], {
    gitDir,
    input: [after, ...knownCommits.map((tip) => `^${tip}`)].join('\n') + '\n',
  });
  const commits = stdout.toString('utf8').split('\n').filter((line) => line !== '');
  const tooManyCommits = commits.length > maxCommits;
  if (commits.length === 0) return { files: [], truncated: false, basis: 'new-commits' };

  // --root: a root commit lists all its files; no -m: merge commits list none.
  const { files, truncated } = await collectPaths(
    gitDir,
    ['diff-tree', '--stdin', '-r', '-z', '--name-only', '--no-renames', '--no-commit-id', '--root'],
    commits.slice(0, maxCommits).join('\n') + '\n',
    maxFiles,
  );
  return { files, truncated: truncated || tooManyCommits, basis: 'new-commits' };
}
