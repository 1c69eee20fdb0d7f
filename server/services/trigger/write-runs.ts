import type { Queryable } from '../../adapters/db/queryable.js';
import { definitionKey, findDefinitionIds } from '../../adapters/db/definitions.js';
import { describeDefaultBranch } from './refresh-definitions.js';
import type { RepositoryRow } from '../../adapters/db/repositories.js';
import { createRuns } from '../../adapters/db/runs.js';
import type { NewRun } from '../../adapters/db/runs.js';
import type { Chain } from '../../core/trigger/chain.js';
import type { MatchedWorkflow } from '../../core/match/event.js';
import { definitionsFromFiles } from '../../core/trigger/definitions.js';
import { concurrencyGroup, runTitle, shortRef } from '../../core/trigger/run-details.js';
import type { EventPlan } from './event-plan.js';
import { admitRuns } from '../concurrency/admit.js';
import type { ArrivingRun } from '../concurrency/admit.js';
import { recordWorkflowRunEvents } from './record-workflow-run.js';

export interface WrittenRun extends ArrivingRun {
  path: string;
  name: string;
  /** Where the run starts: with the runners, held back by its concurrency group, or cancelled (a full queue). */
  status: 'waiting' | 'blocked' | 'cancelled';
}

type RunExtra = { trigger_user_id?: number | null; runPayload?: Record<string, unknown>; now?: Date; chain?: Chain };

/** One event's runs to write (see writeRunsOfEvents). */
export interface EventRuns {
  eventId: number | null;
  plan: EventPlan;
  matched: MatchedWorkflow[];
  extra?: RunExtra;
}

/**
 * Inside the caller's transaction: refreshes the definitions when the plan describes the default branch, creates a
 * run, job and task for each matched workflow, lets each run into its concurrency group, reports the new runs that
 * other workflows follow (`workflow_run` requested); the runners are woken on commit.
 */
export async function writeRuns(
  tx: Queryable,
  repo: RepositoryRow,
  eventId: number | null,
  plan: EventPlan,
  matched: MatchedWorkflow[],
  extra: RunExtra = {},
): Promise<WrittenRun[]> {
  return (await writeRunsOfEvents(tx, repo, [{ eventId, plan, matched, extra }]))[0]!;
}

/**
 * writeRuns for several events of one repository at once, in their order, with one statement for all their runs:
 * the events must describe the same definitions (the same files, and each the default branch or none of them),
 * which are refreshed once, from the first. Returns each event's runs.
 */
export async function writeRunsOfEvents(tx: Queryable, repo: RepositoryRow, events: readonly EventRuns[]): Promise<WrittenRun[][]> {
  const first = events[0]!;
  const described = first.plan.describesDefaultBranch ? definitionsFromFiles(first.plan.files) : null;
  const definitionIds = described !== null
    ? await describeDefaultBranch(tx, repo.id, described, first.extra?.now ?? new Date())
    : await findDefinitionIds(tx, repo.id);
  const newRuns: NewRun[] = [];
  const counts = events.map(({ eventId, plan, matched, extra = {} }) => {
    const before = newRuns.length;
    newRuns.push(...newRunsOf(repo, eventId, plan, matched, extra, definitionIds));
    return newRuns.length - before;
  });
  const created = await createRuns(tx, repo.id, newRuns);
  const arriving = created.map((c, i) => ({
    run_id: c.run_id, run_number: c.run_number, concurrency_group: newRuns[i]!.concurrency_group,
    cancel_in_progress: newRuns[i]!.concurrency_cancel, concurrency_queue: newRuns[i]!.concurrency_queue,
  }));
  const admitted = await admitRuns(tx, repo.id, arriving);
  // The definitions just described are all the repository has: when none follows a run, no statement asks.
  if (described === null || described.some((d) => d.events.includes('workflow_run'))) {
    await recordWorkflowRunEvents(tx, created.map((c) => c.run_id), 'requested');
  }
  const written: WrittenRun[] = arriving.map((run, i) => ({
    ...run, path: newRuns[i]!.workflow_path, name: newRuns[i]!.workflow_name,
    status: admitted.cancelled.includes(run.run_id) ? 'cancelled' : admitted.held.includes(run.run_id) ? 'blocked' : 'waiting',
  }));
  let at = 0;
  return counts.map((count) => written.slice(at, (at += count)));
}

function newRunsOf(
  repo: RepositoryRow, eventId: number | null, plan: EventPlan, matched: MatchedWorkflow[], extra: RunExtra, definitionIds: Map<string, number>,
): NewRun[] {
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
      concurrency_queue: workflow.concurrency_queue,
      parent_run_id: extra.chain?.parent_run_id ?? null,
      depth: extra.chain?.depth ?? 0,
    });
  }
  return newRuns;
}
