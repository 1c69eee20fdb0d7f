import type { Tx } from '../../adapters/db/connect.js';
import { definitionKey, findDefinitionIds, syncDefinitions } from '../../adapters/db/definitions.js';
import type { RepositoryRow } from '../../adapters/db/repositories.js';
import { createRuns, notifyTasksWaiting } from '../../adapters/db/runs.js';
import type { NewRun } from '../../adapters/db/runs.js';
import type { MatchedWorkflow } from '../../core/match/event.js';
import { definitionsFromFiles } from '../../core/trigger/definitions.js';
import { concurrencyGroup, runTitle, shortRef } from '../../core/trigger/run-details.js';
import type { EventPlan } from './event-plan.js';

export interface WrittenRun {
  run_id: number;
  run_number: number;
  path: string;
  name: string;
  concurrency_group: string | null;
  cancel_in_progress: boolean;
}

/**
 * Inside the caller's transaction: refreshes the definitions when the plan describes the default branch, and
 * creates a run, job and waiting task for each matched workflow, then wakes the runners (on commit).
 */
export async function writeRuns(
  tx: Tx,
  repo: RepositoryRow,
  eventId: number | null,
  plan: EventPlan,
  matched: MatchedWorkflow[],
  extra: { trigger_user_id?: number | null; runPayload?: Record<string, unknown> } = {},
): Promise<WrittenRun[]> {
  const definitionIds = plan.describesDefaultBranch
    ? await syncDefinitions(tx, repo.id, definitionsFromFiles(plan.files))
    : await findDefinitionIds(tx, repo.id);
  const eventName = plan.match.kind;
  const newRuns: NewRun[] = [];
  for (const m of matched) {
    const file = plan.files.find((f) => f.path === m.path);
    const workflow = file?.workflows.find((w) => w.name === m.name);
    if (!file || !workflow || plan.commit === null) continue;
    newRuns.push({
      repository_id: repo.id,
      event_id: eventId,
      workflow_definition_id: definitionIds.get(definitionKey(file.path, workflow.function)) ?? null,
      workflow_name: workflow.name,
      workflow_path: file.path,
      function_name: workflow.function,
      workflow_content: file.content,
      title: runTitle(workflow, eventName, plan.ref, plan.commit),
      trigger_event: eventName,
      trigger_user_id: extra.trigger_user_id ?? null,
      event_payload: extra.runPayload ?? plan.runPayload,
      ref: plan.ref,
      commit_sha: plan.commit,
      runs_on: workflow.runs_on,
      concurrency_group: concurrencyGroup(workflow.concurrency, { ref: shortRef(plan.ref), workflow: workflow.name, event: eventName }),
      concurrency_cancel: workflow.cancel_in_progress,
    });
  }
  const created = await createRuns(tx, repo.id, newRuns);
  if (created.length > 0) await notifyTasksWaiting(tx, repo.id);
  return created.map((c, i) => ({
    run_id: c.run_id, run_number: c.run_number, path: newRuns[i]!.workflow_path, name: newRuns[i]!.workflow_name,
    concurrency_group: newRuns[i]!.concurrency_group, cancel_in_progress: newRuns[i]!.concurrency_cancel,
  }));
}
