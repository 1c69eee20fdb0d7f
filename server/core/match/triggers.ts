// One trigger against one event: null when the trigger fires, otherwise the reason it does not.
// Rules and GitHub doc links: docs/workflows.md (Matching rules).

import {
  DEFAULT_PULL_REQUEST_TYPES,
  type IssueTrigger,
  type PullRequestTrigger,
  type PushTrigger,
  type ScheduleTrigger,
  type WorkflowRunTrigger,
} from '../language/model.js';
import type { IssueEvent, PullRequestEvent, PushEvent, ScheduleEvent, WorkflowRunEvent } from './event.js';
import {
  baseBranchFilterReason,
  invalidPatternReason,
  parseRef,
  pathFilterReason,
  refFilterReason,
  runBranchFilterReason,
} from './filters.js';
import { listed, quoted } from './reasons.js';

export function pushTriggerReason(trigger: PushTrigger, event: PushEvent): string | null {
  const target = parseRef(event.ref);
  if (target === null) return `ref ${quoted(event.ref)} is neither a branch nor a tag`;
  if (event.deleted) return `${target.kind} deleted: push workflows don't run on deletion`;
  const invalid = invalidPatternReason(trigger);
  if (invalid !== null) return invalid;
  const refReason = refFilterReason(trigger, target);
  if (refReason !== null) return refReason;
  // GitHub: "Path filters are not evaluated for pushes of tags."
  if (target.kind === 'tag') return null;
  return pathFilterReason(trigger, event);
}

export function pullRequestTriggerReason(trigger: PullRequestTrigger, event: PullRequestEvent): string | null {
  const types: readonly string[] = trigger.types.length > 0 ? trigger.types : DEFAULT_PULL_REQUEST_TYPES;
  if (!types.includes(event.action)) {
    return `pull_request action ${quoted(event.action)} not in types ${listed(types)}`;
  }
  const invalid = invalidPatternReason(trigger);
  if (invalid !== null) return invalid;
  return baseBranchFilterReason(trigger, event.base_ref) ?? pathFilterReason(trigger, event);
}

/** An empty types list means every issue action. */
export function issueTriggerReason(trigger: IssueTrigger, event: IssueEvent): string | null {
  if (trigger.types.length === 0) return null;
  const types: readonly string[] = trigger.types;
  return types.includes(event.action) ? null : `issue action ${quoted(event.action)} not in types ${listed(types)}`;
}

/** Without a cron on the event every schedule fires; with one, only a schedule with exactly that cron and zone. */
export function scheduleTriggerReason(trigger: ScheduleTrigger, event: ScheduleEvent): string | null {
  if (event.cron === undefined) return null;
  const timezone = event.timezone ?? 'UTC';
  if (trigger.cron === event.cron && trigger.timezone === timezone) return null;
  if (trigger.timezone === timezone) return `schedule ${quoted(trigger.cron)} is not the cron ${quoted(event.cron)}`;
  return `schedule ${quoted(trigger.cron)} in ${trigger.timezone} is not the cron ${quoted(event.cron)} in ${timezone}`;
}

/** The run's workflow must be followed, its type listed, its conclusion (when completed) allowed, its branch let through. */
export function workflowRunTriggerReason(trigger: WorkflowRunTrigger, event: WorkflowRunEvent): string | null {
  if (!trigger.workflows.includes(event.workflow)) return `workflow ${quoted(event.workflow)} not in workflows ${listed(trigger.workflows)}`;
  const types: readonly string[] = trigger.types;
  if (!types.includes(event.type)) return `workflow_run type ${quoted(event.type)} not in types ${listed(types)}`;
  const conclusions: readonly string[] | undefined = trigger.conclusions;
  if (event.type === 'completed' && conclusions !== undefined && !conclusions.includes(event.conclusion ?? '')) {
    return `conclusion ${quoted(event.conclusion ?? 'none')} not in conclusions ${listed(conclusions)}`;
  }
  return invalidPatternReason(trigger) ?? runBranchFilterReason(trigger, event.branch);
}
