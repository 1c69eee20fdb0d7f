// The reads the trigger makes for every push, through the repository's long-lived object reader, with the
// one-process-per-call functions as the fallback where a walk would be too long.
import { changedFiles } from './changed-files.js';
import type { ChangedFilesQuery, ChangedFilesResult } from './changed-files.js';
import { commitExists, isAncestor, isZeroId, mergeBase } from './commits.js';
import { objectReader } from './object-reader.js';
import { changedFilesWith, isAncestorWith, peelWith, readWorkflowFilesWith } from './object-walks.js';
import { GitError } from './run.js';
import type { ReadWorkflowFilesOptions, WorkflowFile } from './workflow-files.js';

export function peelCommit(gitDir: string, id: string): Promise<string | null> {
  return peelWith(objectReader(gitDir), id);
}

export function workflowFilesAt(gitDir: string, commit: string, options: ReadWorkflowFilesOptions = {}): Promise<WorkflowFile[]> {
  return readWorkflowFilesWith(objectReader(gitDir), commit, options);
}

/** True when `after` contains `before`; a `before` that is gone from the repository counts as not contained. */
export async function isFastForward(gitDir: string, before: string, after: string): Promise<boolean> {
  const walked = await isAncestorWith(objectReader(gitDir), before, after);
  if (walked !== null) return walked;
  try {
    return await isAncestor(gitDir, before, after);
  } catch (error) {
    if (error instanceof GitError && !(await commitExists(gitDir, before))) return false;
    throw error;
  }
}

/** changedFiles: an update is a tree comparison through the reader; a new ref needs `git log` for its new commits. */
export async function changedFilesOfPush(gitDir: string, query: ChangedFilesQuery): Promise<ChangedFilesResult> {
  if (!isZeroId(query.before) && !isZeroId(query.after)) {
    const reader = objectReader(gitDir);
    const [before, after] = await Promise.all([peelWith(reader, query.before), peelWith(reader, query.after)]);
    if (before !== null && after !== null) {
      const diff = await changedFilesWith(reader, before, after, query.maxFiles ?? 3000);
      if (diff !== null) return { ...diff, basis: 'diff' };
    }
  }
  return changedFiles(gitDir, query);
}

/** Files a pull request changes: from the merge base of base and head to head, as GitHub counts them. */
export async function changedFilesOfPullRequest(
  gitDir: string,
  baseSha: string,
  headSha: string,
  maxFiles: number,
): Promise<{ files: string[]; truncated: boolean }> {
  const base = await mergeBase(gitDir, baseSha, headSha);
  if (base === null) return { files: [], truncated: false };
  return (await changedFilesWith(objectReader(gitDir), base, headSha, maxFiles)) ?? { files: [], truncated: false };
}

/** What each of these refs points to now (absent: no such ref), through the repository's object reader. */
export async function refValues(gitDir: string, refs: readonly string[]): Promise<Map<string, string>> {
  const reader = objectReader(gitDir);
  const values = await Promise.all(refs.map((ref) => reader.info(ref)));
  const result = new Map<string, string>();
  refs.forEach((ref, i) => {
    const info = values[i];
    if (info) result.set(ref, info.oid);
  });
  return result;
}
