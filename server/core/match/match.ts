// Which workflows an event starts, and why each other workflow does not. Pure: the changed files and the parsed
// workflow files come in as plain data. Rules and GitHub doc links: docs/workflows.md (Matching rules).

import { hasErrors, type EventName, type ParsedFile, type Trigger, type Workflow } from '../language/model.js';
import type { ManualEvent, MatchResult, TriggerEvent } from './event.js';
import { combineReasons, quoted } from './reasons.js';
import {
  issueTriggerReason,
  pullRequestTriggerReason,
  pushTriggerReason,
  scheduleTriggerReason,
  workflowRunTriggerReason,
} from './triggers.js';

type TriggerOf<E extends EventName> = Extract<Trigger, { event: E }>;

function notTriggeredBy(kind: EventName, workflow: Workflow): string {
  const kinds = [...new Set(workflow.triggers.map((t) => t.event))];
  return `not triggered by ${kind} (${kinds.length > 0 ? `triggers: ${kinds.join(', ')}` : 'no triggers'})`;
}

/** A workflow fires when ANY of its triggers of the event's kind fires. */
function anyTrigger<E extends EventName>(
  workflow: Workflow,
  kind: E,
  reasonOf: (trigger: TriggerOf<E>) => string | null,
): string | null {
  const triggers = workflow.triggers.filter((t): t is TriggerOf<E> => t.event === kind);
  if (triggers.length === 0) return notTriggeredBy(kind, workflow);
  const reasons: string[] = [];
  for (const trigger of triggers) {
    const reason = reasonOf(trigger);
    if (reason === null) return null;
    reasons.push(reason);
  }
  return combineReasons(reasons);
}

/** A manual run names one workflow by its name, its function name, or its file's path. */
function manualReason(event: ManualEvent, file: ParsedFile, workflow: Workflow): string | null {
  const selected = event.workflow === workflow.name || event.workflow === workflow.function || event.workflow === file.path;
  if (!selected) return `not the requested workflow ${quoted(event.workflow)}`;
  return anyTrigger(workflow, 'manual', () => null);
}

/** Why `workflow` does not run for `event`, or null when it runs. */
export function workflowSkipReason(event: TriggerEvent, file: ParsedFile, workflow: Workflow): string | null {
  switch (event.kind) {
    case 'push':
      return anyTrigger(workflow, 'push', (t) => pushTriggerReason(t, event));
    case 'pull_request':
      return anyTrigger(workflow, 'pull_request', (t) => pullRequestTriggerReason(t, event));
    case 'issue':
      return anyTrigger(workflow, 'issue', (t) => issueTriggerReason(t, event));
    case 'schedule':
      return anyTrigger(workflow, 'schedule', (t) => scheduleTriggerReason(t, event));
    case 'chat':
      return anyTrigger(workflow, 'chat', () => null);
    case 'dispatch':
      return anyTrigger(workflow, 'dispatch', () => null);
    case 'manual':
      return manualReason(event, file, workflow);
    case 'workflow_run':
      return anyTrigger(workflow, 'workflow_run', (t) => workflowRunTriggerReason(t, event));
  }
}

/**
 * Every workflow of every file, in the given order: matched, or skipped with a reason. A file with an error
 * diagnostic runs nothing; when it yields no workflow at all it is reported once, named by its path.
 */
export function matchEvent(event: TriggerEvent, files: readonly ParsedFile[]): MatchResult {
  const result: MatchResult = { matched: [], skipped: [] };
  for (const file of files) {
    if (hasErrors(file)) {
      const count = file.diagnostics.filter((d) => d.severity === 'error').length;
      const reason = `workflow file has errors (${count})`;
      const names = file.workflows.length > 0 ? file.workflows.map((w) => w.name) : [file.path];
      for (const name of names) result.skipped.push({ path: file.path, name, reason });
      continue;
    }
    for (const workflow of file.workflows) {
      const reason = workflowSkipReason(event, file, workflow);
      if (reason === null) result.matched.push({ path: file.path, name: workflow.name });
      else result.skipped.push({ path: file.path, name: workflow.name, reason });
    }
  }
  return result;
}
