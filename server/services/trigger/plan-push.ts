import { changedFilesOfPush, isFastForward, peelCommit } from '../../adapters/git/index.js';
import type { PushTrigger } from '../../core/language/model.js';
import type { PushEvent } from '../../core/match/event.js';
import { isZeroSha } from '../../core/refs/diff.js';
import type { PushPayload } from '../ingest/record-ref-updates.js';
import type { WorkflowFileAtCommit, WorkflowSource } from './workflow-source.js';

export interface PushPlan {
  event: PushEvent;
  /** The commit the workflows were read at (null when the ref does not point at a commit). */
  commit: string | null;
  files: WorkflowFileAtCommit[];
}

function usesPathFilters(files: WorkflowFileAtCommit[]): boolean {
  return files.some((f) => f.workflows.some((w) => w.triggers.some((t) => {
    if (t.event !== 'push') return false;
    const push = t as PushTrigger;
    return push.paths !== undefined || push.paths_ignore !== undefined;
  })));
}

/**
 * Everything git can tell about a ref update: the workflows at the new commit (at the old one for a deletion,
 * so that each workflow can be reported as skipped), the changed files, and whether it was forced.
 */
export async function planPush(
  gitDir: string,
  payload: PushPayload,
  source: WorkflowSource,
  options: { maxChangedFiles: number },
): Promise<PushPlan> {
  const created = isZeroSha(payload.before);
  const deleted = isZeroSha(payload.after);
  const commit = await peelCommit(gitDir, deleted ? payload.before : payload.after);
  const [files, forced] = await Promise.all([
    commit === null ? [] : source.load(gitDir, commit),
    !created && !deleted && isFastForward(gitDir, payload.before, payload.after).then((ff) => !ff),
  ]);
  const needsChanges = !deleted && usesPathFilters(files);
  const changes = needsChanges
    ? await changedFilesOfPush(gitDir, { before: payload.before, after: payload.after, ref: payload.ref, maxFiles: options.maxChangedFiles })
    : { files: [], truncated: false };
  return {
    commit: deleted ? null : commit,
    files,
    event: {
      kind: 'push', ref: payload.ref, before: payload.before, after: payload.after,
      created, deleted, forced, changed_files: changes.files, changed_files_truncated: changes.truncated,
    },
  };
}

