import type { GitRepository } from '../../adapters/git/index.js';
import { PermanentEventError } from '../../core/trigger/event-failure.js';
import type { EventPlan } from './event-plan.js';
import type { WorkflowSource } from './workflow-source.js';

// A schedule fired: its one workflow runs at the default branch's commit of the moment, if that commit still has
// the workflow with the same schedule (a push may have changed it since the instant fired).

export interface SchedulePayload {
  scheduled_at: string;
  cron: string;
  timezone: string;
  workflow: { path: string; function: string; name: string };
  missed_instants?: number;
}

export async function planSchedule(
  git: GitRepository,
  payload: SchedulePayload,
  source: WorkflowSource,
  defaultBranch: string | null,
): Promise<EventPlan> {
  if (defaultBranch === null) throw new Error('the repository has no default branch to run a schedule on');
  const ref = `refs/heads/${defaultBranch}`;
  const commit = await git.peel(ref);
  if (commit === null) throw new PermanentEventError(`${ref} does not name a commit of this repository`);
  const files = (await source.load(git, commit)).filter((f) => f.path === payload.workflow.path);
  return {
    match: { kind: 'schedule', cron: payload.cron, timezone: payload.timezone },
    commit, ref, files, describesDefaultBranch: false,
    onlyWorkflow: { path: payload.workflow.path, function: payload.workflow.function },
    runPayload: { ...payload, ref, sha: commit },
    summary: `schedule ${payload.cron} (${payload.timezone}) at ${payload.scheduled_at} for ${payload.workflow.path}`,
  };
}
