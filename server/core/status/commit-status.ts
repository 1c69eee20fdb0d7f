import type { Diagnostic } from '../language/model.js';
import type { Status } from './rollup.js';

// Commit statuses, GitHub-shaped: what a run or a broken workflow file says on its commit. Pure.
// https://docs.github.com/en/rest/commits/statuses

/** GitHub's commit status API has these four states only. */
export type CommitState = 'pending' | 'success' | 'failure' | 'error';

export interface CommitStatusText {
  state: CommitState;
  description: string;
}

/** GitHub refuses descriptions longer than this. */
export const MAX_DESCRIPTION = 140;

/** One status per workflow and event on a commit, as GitHub Actions names its checks. */
export function runContext(workflowName: string, event: string): string {
  return `plue/${workflowName} (${event})`;
}

/** One status per broken workflow file on a commit. */
export function fileContext(path: string): string {
  return `plue/${path}`;
}

/** What a run's target path is made of before its id (a statement that creates runs writes it in SQL). */
export const RUN_TARGET_PREFIX = 'runs/';

/** Where a run's status points, relative to its repository's API path (see `targetUrl`). */
export function runTargetPath(runId: number): string {
  return `${RUN_TARGET_PREFIX}${runId}`;
}

/** The URL a status points to: the run in the API, until the dashboard gives runs pages of their own. */
export function targetUrl(serverUrl: string, repository: { owner: string; name: string }, targetPath: string | null): string | null {
  if (targetPath === null) return null;
  return `${serverUrl.replace(/\/+$/, '')}/api/repos/${encodeURIComponent(repository.owner)}/${encodeURIComponent(repository.name)}/${targetPath}`;
}

export interface RunForStatus {
  status: Status;
  started_at?: Date | null;
  stopped_at?: Date | null;
  /** Why it was cancelled (`workflow_runs.cancel_reason`). */
  cancel_reason?: string | null;
  /** Its last attempt ended because its runner stopped renewing the lease. */
  lost?: boolean;
}

/**
 * A run's status on its commit. Cancelled is `error` (the run neither passed nor failed, as GitHub's own mapping
 * of a cancelled check); skipped is `success`, as GitHub counts a skipped check as passing.
 */
export function runCommitStatus(run: RunForStatus): CommitStatusText {
  const took = duration(run.started_at ?? null, run.stopped_at ?? null);
  switch (run.status) {
    case 'waiting':
      return { state: 'pending', description: 'Waiting for a runner' };
    case 'blocked':
      return { state: 'pending', description: 'Waiting for an earlier run of its concurrency group' };
    case 'running':
      return { state: 'pending', description: 'Running' };
    case 'unknown':
      return { state: 'pending', description: 'Status unknown' };
    case 'success':
      return { state: 'success', description: took === null ? 'Succeeded' : `Succeeded in ${took}` };
    case 'skipped':
      return { state: 'success', description: 'Skipped' };
    case 'failure':
      if (run.lost) return { state: 'failure', description: 'Failed: its runner stopped answering on the last attempt' };
      return { state: 'failure', description: took === null ? 'Failed' : `Failed after ${took}` };
    case 'cancelled':
      return { state: 'error', description: shortDescription(run.cancel_reason ? `Cancelled: ${run.cancel_reason}` : 'Cancelled') };
  }
}

/** The `error` status of a workflow file with errors: its first error, `deploy.py:3:5 unknown-event …`. */
export function diagnosticDescription(path: string, diagnostic: Pick<Diagnostic, 'line' | 'column' | 'code' | 'message'>): string {
  const file = path.slice(path.lastIndexOf('/') + 1);
  return shortDescription(`${file}:${diagnostic.line}:${diagnostic.column} ${diagnostic.code} ${diagnostic.message}`);
}

/** At most MAX_DESCRIPTION characters (code points), cut with an ellipsis. */
export function shortDescription(text: string): string {
  const chars = [...text.replace(/\s+/g, ' ').trim()];
  return chars.length <= MAX_DESCRIPTION ? chars.join('') : `${chars.slice(0, MAX_DESCRIPTION - 1).join('')}…`;
}

/**
 * The combined state of a commit's latest statuses, as GitHub: failure when any is failure or error, else pending
 * when any is pending (or there are none), else success.
 */
export function combinedState(states: readonly CommitState[]): 'pending' | 'success' | 'failure' {
  if (states.some((s) => s === 'failure' || s === 'error')) return 'failure';
  if (states.length === 0 || states.includes('pending')) return 'pending';
  return 'success';
}

/** `12 s`, `3 min 4 s`, `2 h 5 min`; null without both ends. */
export function duration(start: Date | null, end: Date | null): string | null {
  if (start === null || end === null) return null;
  const seconds = Math.max(0, Math.round((end.getTime() - start.getTime()) / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
