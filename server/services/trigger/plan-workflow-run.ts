import type { GitRepository } from '../../adapters/git/index.js';
import type { Chain } from '../../core/trigger/chain.js';
import { loopProblem } from '../../core/trigger/chain.js';
import { shortRef } from '../../core/trigger/run-details.js';
import { workflowRunMatchEvent } from '../../core/trigger/workflow-run.js';
import type { WorkflowRunPayload } from '../../core/trigger/workflow-run.js';
import type { EventPlan } from './event-plan.js';
import type { WorkflowSource } from './workflow-source.js';

// A run of a followed workflow was requested or completed: the workflows of the default branch at its head that
// follow it start, with the reported run in their payload, one handoff deeper. Past PLUE_DISPATCH_MAX_DEPTH the
// chain is cut: nothing is read or started, and the audit trail says why.

export async function planWorkflowRun(
  git: GitRepository,
  event: { id: number; payload: WorkflowRunPayload; chain: Chain },
  source: WorkflowSource,
  defaultBranch: string | null,
  maxDepth: number,
): Promise<EventPlan> {
  const { payload, chain } = event;
  const match = workflowRunMatchEvent(payload);
  const reported = `${payload.workflow_run.name} #${payload.workflow_run.run_number} ${payload.action}`;
  const loop = loopProblem(chain, maxDepth);
  if (loop !== null) {
    return {
      match, commit: null, ref: '', files: [], runPayload: {}, describesDefaultBranch: false,
      audit: [{
        kind: 'loop.stopped', actor: { service: 'workflow_run' },
        subject: { run_id: payload.workflow_run.id, event_id: event.id },
        detail: { workflow: payload.workflow_run.name, action: payload.action, depth: chain.depth, max_depth: maxDepth, message: loop },
      }],
      summary: `workflow_run ${reported}: chain stopped at depth ${chain.depth} (PLUE_DISPATCH_MAX_DEPTH ${maxDepth})`,
    };
  }
  if (defaultBranch === null) throw new Error('the repository has no default branch to read workflows from');
  const ref = `refs/heads/${defaultBranch}`;
  const commit = await git.peel(ref);
  if (commit === null) throw new Error(`${ref} does not name a commit of this repository`);
  return {
    match, commit, ref, files: await source.load(git, commit), runPayload: { ...payload }, describesDefaultBranch: false,
    summary: `workflow_run ${reported} at ${shortRef(ref)}`,
  };
}
