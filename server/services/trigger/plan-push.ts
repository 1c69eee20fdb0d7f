import type { GitRepository } from '../../adapters/git/index.js';
import type { PushTrigger } from '../../core/language/model.js';
import type { PushEvent } from '../../core/match/event.js';
import { isZeroSha } from '../../core/refs/diff.js';
import type { PushPayload } from '../ingest/record-ref-updates.js';
import { shortRef } from '../../core/trigger/run-details.js';
import type { EventPlan } from './event-plan.js';
import type { WorkflowFileAtCommit, WorkflowSource } from './workflow-source.js';


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
  git: GitRepository,
  payload: PushPayload,
  source: WorkflowSource,
  options: { maxChangedFiles: number; defaultBranch: string | null },
): Promise<EventPlan> {
  const created = isZeroSha(payload.before);
  const deleted = isZeroSha(payload.after);
  const commit = await git.peel(deleted ? payload.before : payload.after);
  const [files, forced] = await Promise.all([
    commit === null ? [] : source.load(git, commit),
    !created && !deleted && git.isFastForward(payload.before, payload.after).then((ff) => !ff),
  ]);
  const needsChanges = !deleted && usesPathFilters(files);
  const changes = needsChanges
    ? await git.changedFilesOfPush({
      before: payload.before, after: payload.after, ref: payload.ref, maxFiles: options.maxChangedFiles,
      ...(payload.known_tips ? { knownTips: payload.known_tips } : {}),
    })
    : { files: [], truncated: false };
  const event: PushEvent = {
    kind: 'push', ref: payload.ref, before: payload.before, after: payload.after,
    created, deleted, forced, changed_files: changes.files, changed_files_truncated: changes.truncated,
  };
  return {
    match: event,
    commit: deleted ? null : commit,
    ref: payload.ref,
    files,
    runPayload: { ...event, changed_files: changes.files.slice(0, 100) },
    describesDefaultBranch: !deleted && options.defaultBranch !== null && payload.ref === `refs/heads/${options.defaultBranch}`,
    summary: `push ${shortRef(payload.ref)} ${payload.before.slice(0, 7)}→${payload.after.slice(0, 7)}${forced ? ' (forced)' : ''}`,
  };
}
