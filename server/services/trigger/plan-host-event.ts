import type { GitRepository } from '../../adapters/git/index.js';
import { isValidRefName } from '../../core/api/ref-names.js';
import type { TriggerEvent } from '../../core/match/event.js';
import { shortRef } from '../../core/trigger/run-details.js';
import { PermanentEventError } from '../../core/trigger/event-failure.js';
import type { EventPlan } from './event-plan.js';
import type { WorkflowSource } from './workflow-source.js';

// Events that are not pushes, as the host hands them in (`POST /api/repos/:owner/:repo/events`).
// Pull request workflows are read at the pull request's head commit; issue, chat and dispatch workflows at the
// head of the default branch (or the ref a dispatch names).

export interface PullRequestPayload {
  action: string;
  base_ref: string;
  head_ref: string;
  base_sha: string;
  head_sha: string;
  [key: string]: unknown;
}

export interface HostPayload {
  action?: string;
  ref?: string;
  [key: string]: unknown;
}

const withHeads = (ref: string) => (ref.startsWith('refs/') ? ref : `refs/heads/${ref}`);

export async function planPullRequest(
  git: GitRepository,
  payload: PullRequestPayload,
  source: WorkflowSource,
  options: { maxChangedFiles: number },
): Promise<EventPlan> {
  const commit = await git.peel(payload.head_sha);
  if (commit === null) throw new PermanentEventError(`pull request head ${payload.head_sha} is not a commit of this repository`);
  const [files, changes] = await Promise.all([
    source.load(git, commit),
    git.changedFilesOfPullRequest(payload.base_sha, commit, options.maxChangedFiles),
  ]);
  const match: TriggerEvent = {
    kind: 'pull_request', action: payload.action, base_ref: payload.base_ref, head_ref: payload.head_ref,
    changed_files: changes.files, changed_files_truncated: changes.truncated,
  };
  return {
    match, commit, ref: withHeads(payload.head_ref), files, describesDefaultBranch: false,
    runPayload: { ...payload, changed_files: changes.files.slice(0, 100), changed_files_truncated: changes.truncated },
    summary: `pull_request ${payload.action} ${shortRef(payload.head_ref)}→${shortRef(payload.base_ref)}`,
  };
}

/** issue, chat and dispatch: the workflows of the default branch (or of the ref a dispatch names). */
export async function planHostEvent(
  git: GitRepository,
  kind: 'issue' | 'chat' | 'dispatch',
  payload: HostPayload,
  source: WorkflowSource,
  defaultBranch: string | null,
): Promise<EventPlan> {
  if (payload.ref !== undefined && (typeof payload.ref !== 'string' || !isValidRefName(withHeads(payload.ref)))) {
    throw new PermanentEventError(`${JSON.stringify(payload.ref)} is not a ref name`);
  }
  const ref = payload.ref ? withHeads(payload.ref) : defaultBranch ? `refs/heads/${defaultBranch}` : null;
  if (ref === null) throw new Error('the repository has no default branch to read workflows from');
  const commit = await git.peel(ref);
  if (commit === null) throw new PermanentEventError(`${ref} does not name a commit of this repository`);
  const match: TriggerEvent = kind === 'issue' ? { kind, action: String(payload.action ?? '') } : { kind };
  return {
    match, commit, ref, files: await source.load(git, commit), runPayload: payload,
    describesDefaultBranch: false,
    ...(kind === 'dispatch' && typeof payload.workflow === 'string' ? { onlyWorkflow: payload.workflow } : {}),
    summary: `${kind}${payload.action ? ` ${String(payload.action)}` : ''} at ${shortRef(ref)}`,
  };
}
