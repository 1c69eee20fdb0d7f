// The `workflow_run` event: a run was requested (created) or completed (reached a final status). Its payload tells
// the followers about that run, shaped like GitHub's
// (https://docs.github.com/en/webhooks/webhook-events-and-payloads#workflow_run); the matcher reads it back.
import type { WorkflowRunType } from '../language/model.js';
import type { WorkflowRunEvent } from '../match/event.js';

export type { WorkflowRunType };

/** The run an event reports, as read from the database. */
export interface ReportedRun {
  id: number;
  run_number: number;
  run_attempt: number;
  workflow_name: string;
  workflow_path: string;
  function_name: string;
  trigger_event: string;
  status: string;
  ref: string;
  commit_sha: string;
  event_id: number | null;
  parent_run_id: number | null;
  depth: number;
  created_at: Date;
  started_at: Date | null;
  stopped_at: Date | null;
}

export interface WorkflowRunPayload {
  action: WorkflowRunType;
  workflow: { name: string; path: string; function: string };
  workflow_run: {
    id: number;
    run_number: number;
    run_attempt: number;
    name: string;
    path: string;
    /** The event that started the reported run (`push`, `workflow_run`, …). */
    event: string;
    /** `completed`, or the run's status when requested (`waiting`, `blocked`, …). */
    status: string;
    /** The final status of a completed run; null when requested. */
    conclusion: string | null;
    /** The run's branch; null for a run of a tag. */
    head_branch: string | null;
    head_sha: string;
    ref: string;
    event_id: number | null;
    parent_run_id: number | null;
    depth: number;
    created_at: string;
    run_started_at: string | null;
    stopped_at: string | null;
  };
}

/** One event per run and type, however often the roll-up or the write that causes it is repeated. */
export function workflowRunDedupKey(type: WorkflowRunType, runId: number): string {
  return `workflow_run:${type}:${runId}`;
}

const BRANCH_PREFIX = 'refs/heads/';

export function workflowRunPayload(run: ReportedRun, type: WorkflowRunType): WorkflowRunPayload {
  return {
    action: type,
    workflow: { name: run.workflow_name, path: run.workflow_path, function: run.function_name },
    workflow_run: {
      id: run.id,
      run_number: run.run_number,
      run_attempt: run.run_attempt,
      name: run.workflow_name,
      path: run.workflow_path,
      event: run.trigger_event,
      status: type === 'completed' ? 'completed' : run.status,
      conclusion: type === 'completed' ? run.status : null,
      head_branch: run.ref.startsWith(BRANCH_PREFIX) ? run.ref.slice(BRANCH_PREFIX.length) : null,
      head_sha: run.commit_sha,
      ref: run.ref,
      event_id: run.event_id,
      parent_run_id: run.parent_run_id,
      depth: run.depth,
      created_at: run.created_at.toISOString(),
      run_started_at: run.started_at?.toISOString() ?? null,
      stopped_at: run.stopped_at?.toISOString() ?? null,
    },
  };
}

/** The event as the matcher sees it. */
export function workflowRunMatchEvent(payload: WorkflowRunPayload): WorkflowRunEvent {
  return {
    kind: 'workflow_run',
    workflow: payload.workflow_run.name,
    type: payload.action,
    conclusion: payload.workflow_run.conclusion,
    branch: payload.workflow_run.head_branch,
  };
}
