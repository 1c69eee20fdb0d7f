// The events the matcher understands. Changed files are computed before matching
// (by the git adapter) and passed in as plain data, so every rule is unit-testable.

export interface ChangedFiles {
  /** Repository-relative paths, forward slashes, no leading `./`. */
  changed_files: string[];
  /** True when the list was cut short (too many files or commits): path filters then count as matched. */
  changed_files_truncated?: boolean;
}

export interface PushEvent extends ChangedFiles {
  kind: 'push';
  /** Full ref name: `refs/heads/main` or `refs/tags/v1.0`. */
  ref: string;
  before: string;
  after: string;
  created: boolean;
  deleted: boolean;
  forced: boolean;
}

export interface PullRequestEvent extends ChangedFiles {
  kind: 'pull_request';
  action: string;
  /** Base (target) branch; `refs/heads/` prefix optional. */
  base_ref: string;
  head_ref: string;
}

export interface IssueEvent {
  kind: 'issue';
  action: string;
}

export interface ChatEvent { kind: 'chat' }
export interface DispatchEvent { kind: 'dispatch' }

export interface ManualEvent {
  kind: 'manual';
  /** Workflow name, function name, or file path of the one workflow to start. */
  workflow: string;
  ref: string;
  inputs: Record<string, unknown>;
}

export interface ScheduleEvent {
  kind: 'schedule';
  /** When set, only schedule triggers with exactly this cron, and `timezone`, match. */
  cron?: string;
  /** With `cron`: the time zone the schedule names; `UTC` when not given. */
  timezone?: string;
}

/** A run of another workflow of the repository was requested (created) or completed (reached a final status). */
export interface WorkflowRunEvent {
  kind: 'workflow_run';
  /** The name of the run's workflow. */
  workflow: string;
  type: 'completed' | 'requested';
  /** The run's final status when completed (`success`, `failure`, `cancelled`, `skipped`); null when requested. */
  conclusion: string | null;
  /** The run's branch, without `refs/heads/`; null when the run was not for a branch (a tag). */
  branch: string | null;
}

export type TriggerEvent =
  | PushEvent | PullRequestEvent | IssueEvent | ChatEvent | DispatchEvent | ManualEvent | ScheduleEvent | WorkflowRunEvent;

export interface MatchedWorkflow { path: string; name: string }
export interface SkippedWorkflow { path: string; name: string; reason: string }

export interface MatchResult {
  matched: MatchedWorkflow[];
  skipped: SkippedWorkflow[];
}
