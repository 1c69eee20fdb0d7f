import { recordEvent } from '../../adapters/db/events.js';
import type { Queryable } from '../../adapters/db/queryable.js';
import { followedRuns, notifyEventsPending } from '../../adapters/db/workflow-run-events.js';
import { childChain } from '../../core/trigger/chain.js';
import { workflowRunDedupKey, workflowRunPayload } from '../../core/trigger/workflow-run.js';
import type { WorkflowRunType } from '../../core/trigger/workflow-run.js';

/**
 * Inside the caller's transaction (the roll-up that finished the runs, or the write that created them): a
 * `workflow_run` event for each of these runs that some active workflow of its repository follows. The event is one
 * handoff deeper than its run; whether it may still start anything is the trigger's decision (the loop guard).
 * The dedup key makes it once per run and type, and every trigger loop hears of it at commit.
 */
export async function recordWorkflowRunEvents(tx: Queryable, runIds: readonly number[], type: WorkflowRunType): Promise<number[]> {
  const recorded: number[] = [];
  const repositories = new Set<number>();
  for (const run of await followedRuns(tx, runIds, type)) {
    const id = await recordEvent(tx, {
      repository_id: run.repository_id, kind: 'workflow_run', dedup_key: workflowRunDedupKey(type, run.id),
      payload: { ...workflowRunPayload(run, type) }, source: 'workflow_run', chain: childChain(run),
    });
    if (id === null) continue;
    recorded.push(id);
    repositories.add(run.repository_id);
  }
  for (const repositoryId of repositories) await notifyEventsPending(tx, repositoryId);
  return recorded;
}
