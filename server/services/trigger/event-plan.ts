import type { NewAuditEvent } from '../../adapters/db/audit.js';
import type { TriggerEvent } from '../../core/match/event.js';
import type { WorkflowFileAtCommit } from './workflow-source.js';

/** What git tells about an event, ready to be matched and written: the same shape for every kind. */
export interface EventPlan {
  /** The event as the matcher sees it. */
  match: TriggerEvent;
  /** The commit the workflows were read at and runs will run at (null: nothing to run, e.g. a deletion). */
  commit: string | null;
  /** Full ref the runs are for. */
  ref: string;
  files: WorkflowFileAtCommit[];
  /** Stored with each run (`workflow_runs.event_payload`) and handed to the runner. */
  runPayload: Record<string, unknown>;
  /** True when the files describe the default branch's head, so the definitions are refreshed from them. */
  describesDefaultBranch: boolean;
  /**
   * Only this workflow may start: a dispatch aimed at one workflow (by name, function or path), or a schedule's
   * (by file and function).
   */
  onlyWorkflow?: string | { path: string; function: string };
  /** Decisions to record in the audit trail with the event's runs (the event's repository is filled in). */
  audit?: Array<Omit<NewAuditEvent, 'repository_id'>>;
  /** One line for the log. */
  summary: string;
}
