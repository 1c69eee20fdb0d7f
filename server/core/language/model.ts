import type { QueueMode } from '../concurrency/admission.js';
// The typed workflow model: what the parser produces and the matcher consumes.
// Plain data only, so it serialises to JSON as-is (`plue-trigger check --json`, the database).

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  /** Stable, kebab-case identifier, e.g. `unknown-event`. Documented in docs/workflows.md. */
  code: string;
  message: string;
  /** 1-based. */
  line: number;
  /** 1-based, counted in characters (UTF-16 code units of the decoded line). */
  column: number;
}

export const EVENT_NAMES = ['push', 'pull_request', 'issue', 'chat', 'manual', 'dispatch', 'schedule', 'workflow_run'] as const;
export type EventName = (typeof EVENT_NAMES)[number];

export const PULL_REQUEST_TYPES = [
  'opened', 'edited', 'closed', 'reopened', 'synchronize', 'assigned', 'unassigned',
  'labeled', 'unlabeled', 'review_requested', 'ready_for_review', 'converted_to_draft',
] as const;
export type PullRequestType = (typeof PULL_REQUEST_TYPES)[number];
export const DEFAULT_PULL_REQUEST_TYPES: PullRequestType[] = ['opened', 'synchronize', 'reopened'];

export const ISSUE_TYPES = [
  'opened', 'edited', 'closed', 'reopened', 'labeled', 'unlabeled', 'assigned', 'unassigned', 'commented',
] as const;
export type IssueType = (typeof ISSUE_TYPES)[number];

export interface PushTrigger {
  event: 'push';
  branches?: string[];
  branches_ignore?: string[];
  tags?: string[];
  tags_ignore?: string[];
  paths?: string[];
  paths_ignore?: string[];
}

export interface PullRequestTrigger {
  event: 'pull_request';
  types: PullRequestType[];
  branches?: string[];
  branches_ignore?: string[];
  paths?: string[];
  paths_ignore?: string[];
}

export interface IssueTrigger {
  event: 'issue';
  types: IssueType[];
}

export interface ChatTrigger { event: 'chat' }
export interface DispatchTrigger { event: 'dispatch' }

export const INPUT_TYPES = ['string', 'boolean', 'number', 'choice'] as const;
export type InputType = (typeof INPUT_TYPES)[number];
export type InputValue = string | number | boolean;

export interface ManualInput {
  type: InputType;
  required: boolean;
  default?: InputValue;
  options?: string[];
  description?: string;
}

export interface ManualTrigger {
  event: 'manual';
  inputs: Record<string, ManualInput>;
}

export interface ScheduleTrigger {
  event: 'schedule';
  cron: string;
  /** IANA time zone the cron is read in; `UTC` when the workflow does not say. */
  timezone: string;
}

/** `completed`: a run of a followed workflow reached a final status; `requested`: one was created. */
export const WORKFLOW_RUN_TYPES = ['completed', 'requested'] as const;
export type WorkflowRunType = (typeof WORKFLOW_RUN_TYPES)[number];
export const DEFAULT_WORKFLOW_RUN_TYPES: WorkflowRunType[] = ['completed'];
/** The final statuses of a run. */
export const WORKFLOW_RUN_CONCLUSIONS = ['success', 'failure', 'cancelled', 'skipped'] as const;
export type WorkflowRunConclusion = (typeof WORKFLOW_RUN_CONCLUSIONS)[number];

/** GitHub's `on.workflow_run`: another workflow's run was requested or completed. */
export interface WorkflowRunTrigger {
  event: 'workflow_run';
  /** Names of the workflows followed (never empty). */
  workflows: string[];
  types: WorkflowRunType[];
  /** Completed runs with one of these conclusions only; absent: any. */
  conclusions?: WorkflowRunConclusion[];
  /** Filters on the branch of the run that was requested or completed. */
  branches?: string[];
  branches_ignore?: string[];
}

export type Trigger =
  | PushTrigger | PullRequestTrigger | IssueTrigger | ChatTrigger
  | DispatchTrigger | ManualTrigger | ScheduleTrigger | WorkflowRunTrigger;

export interface Workflow {
  name: string;
  /** Name of the decorated Python function. */
  function: string;
  /** 1-based line of the `def` (not of the decorator). */
  line: number;
  /** Where `name=` sets the name (its string); absent when the default name applies. */
  name_at?: { line: number; column: number };
  agent: boolean;
  runs_on: string[];
  concurrency: string | null;
  cancel_in_progress: boolean;
  /** `queue="max"`: up to 100 pending runs wait in order instead of the newest replacing the pending one. */
  concurrency_queue: QueueMode;
  triggers: Trigger[];
}

export interface ParsedFile {
  /** Repository-relative path, e.g. `.plue/workflows/ci.py`. */
  path: string;
  workflows: Workflow[];
  diagnostics: Diagnostic[];
}

export function hasErrors(file: ParsedFile): boolean {
  return file.diagnostics.some((d) => d.severity === 'error');
}
