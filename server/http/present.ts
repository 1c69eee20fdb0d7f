import type { DefinitionRow } from '../adapters/db/definitions.js';
import type { LogLine } from '../adapters/db/logs.js';
import type { ChildRunRow, JobViewRow, RunDetailRow, RunViewRow, TaskViewRow } from '../adapters/db/run-views.js';
import { STATUS, statusName } from '../adapters/db/status.js';
import { pendingReason } from '../core/concurrency/admission.js';
import { waitReason } from '../core/waits/event-for-wait.js';
import type { PageUrls } from './page-urls.js';

// Rows → the JSON the user API answers with (schemas/resources.ts describes it).

const durationMs = (row: { started_at: Date | null; stopped_at: Date | null }) =>
  row.started_at && row.stopped_at ? Math.max(0, row.stopped_at.getTime() - row.started_at.getTime()) : null;

export function presentWorkflow(d: DefinitionRow, urls: PageUrls) {
  return {
    id: d.id, html_url: urls.workflow(d.id), name: d.name, path: d.file_path, function: d.function_name || null, state: d.state, events: d.events,
    triggers: d.triggers, agent: d.is_agent_workflow, runs_on: d.runs_on, diagnostics: d.diagnostics, file_sha: d.file_sha,
    created_at: d.created_at, updated_at: d.updated_at,
  };
}

export function presentRun(r: RunViewRow, urls: PageUrls) {
  return {
    id: r.id, html_url: urls.run(r.id), run_number: r.run_number, run_attempt: r.run_attempt, rerun_of: r.rerun_of, original_run_id: r.original_run_id,
    workflow: { id: r.workflow_definition_id, name: r.workflow_name, path: r.workflow_path, function: r.function_name },
    event: r.trigger_event, event_id: r.event_id, parent_run_id: r.parent_run_id, depth: r.depth, ref: r.ref, commit_sha: r.commit_sha, title: r.title,
    status: statusName(r.status), status_reason: statusReason(r), cancel_requested: r.cancel_requested_at !== null,
    concurrency: r.concurrency_group === null ? null : {
      group: r.concurrency_group, cancel_in_progress: r.concurrency_cancel, queue: r.concurrency_queue,
      waiting_for: r.group_run, ahead: r.group_ahead,
    },
    waiting_for: r.waiting_for,
    created_at: r.created_at, updated_at: r.updated_at, started_at: r.started_at, stopped_at: r.stopped_at, duration_ms: durationMs(r),
  };
}

/** Why a run waits on its group, why it was cancelled, or what event it waits for. */
function statusReason(r: RunViewRow): string | null {
  if (r.status === STATUS.blocked && r.concurrency_group !== null) return pendingReason(r.concurrency_group, r.group_run && { id: r.group_run.id, number: r.group_run.run_number }, r.group_ahead ?? 0);
  if (r.cancel_requested_at !== null) return r.cancel_reason;
  if (r.waiting_for) return waitReason(r.waiting_for);
  return null;
}

function presentTask(t: TaskViewRow) {
  return {
    id: t.id, attempt: t.attempt, status: statusName(t.status),
    runner: t.runner_id === null ? null : { id: t.runner_id, name: t.runner_name },
    end_reason: t.end_reason, waiting_on: waitingOn(t),
    external: t.handed_off_at === null || t.external_deadline === null ? null : {
      ref: t.external_ref, handed_off_at: t.handed_off_at, deadline: t.external_deadline, output: t.external_output,
    },
    log_lines: t.log_lines, log_truncated: t.log_truncated,
    created_at: t.created_at, started_at: t.started_at, stopped_at: t.stopped_at, duration_ms: durationMs(t),
  };
}

/** A task handed off to an external system and not completed yet waits on it. */
function waitingOn(t: TaskViewRow): string | null {
  if (t.handed_off_at === null || t.external_deadline === null || t.status !== STATUS.running) return null;
  const ref = t.external_ref === null ? '' : ` (ref ${t.external_ref})`;
  return `the outside${ref} since ${t.handed_off_at.toISOString()}, until ${t.external_deadline.toISOString()}`;
}

/**
 * Only a manual run has inputs (checked against the workflow's declared ones when it was started). Any other
 * run's payload came from outside, so an `inputs` field in it stays in the payload and is not passed off as inputs.
 */
export function runInputs(triggerEvent: string, payload: Record<string, unknown> | null): Record<string, unknown> {
  const inputs = payload?.inputs;
  if (triggerEvent !== 'manual') return {};
  return inputs !== null && typeof inputs === 'object' && !Array.isArray(inputs) ? (inputs as Record<string, unknown>) : {};
}

/** `fittingRunners`: for each waiting job (by id), how many online runners carry its labels. */
export function presentRunDetail(
  r: RunDetailRow, jobs: Array<JobViewRow & { tasks: TaskViewRow[] }>, children: ChildRunRow[], urls: PageUrls,
  fittingRunners: ReadonlyMap<number, number | null> = new Map(),
) {
  return {
    ...presentRun(r, urls),
    children: children.map((c) => ({ id: c.id, run_number: c.run_number, workflow: c.workflow_name, status: statusName(c.status) })),
    payload: r.event_payload,
    inputs: runInputs(r.trigger_event, r.event_payload),
    jobs: jobs.map((j) => ({
      id: j.id, name: j.name, function: j.job_id, status: statusName(j.status), attempt: j.attempt, runs_on: j.runs_on,
      fitting_runners: fittingRunners.get(j.id) ?? null,
      created_at: j.created_at, started_at: j.started_at, stopped_at: j.stopped_at, duration_ms: durationMs(j),
      tasks: j.tasks.map(presentTask),
    })),
  };
}

export function presentLogLines(lines: LogLine[]) {
  return lines.map((l) => ({ line: l.line_no, step: l.step, content: l.content }));
}
