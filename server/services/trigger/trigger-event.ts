import type { Logger } from 'pino';
import type { Sql, Tx } from '../../adapters/db/connect.js';
import { syncDefinitions, findDefinitionIds, definitionKey } from '../../adapters/db/definitions.js';
import {
  markEventAttemptFailed, markEventProcessed, oldestPendingEvents, tryLockRepositoryTrigger,
} from '../../adapters/db/events.js';
import type { EventRow } from '../../adapters/db/events.js';
import { getRepository } from '../../adapters/db/repositories.js';
import type { RepositoryRow } from '../../adapters/db/repositories.js';
import { createRuns, notifyTasksWaiting } from '../../adapters/db/runs.js';
import type { NewRun } from '../../adapters/db/runs.js';
import { matchEvent } from '../../core/match/index.js';
import { definitionsFromFiles } from '../../core/trigger/definitions.js';
import { concurrencyGroup, runTitle, shortRef } from '../../core/trigger/run-details.js';
import type { PushPayload } from '../ingest/record-ref-updates.js';
import { planPush } from './plan-push.js';
import type { PushPlan } from './plan-push.js';
import type { WorkflowSource } from './workflow-source.js';

export interface TriggerDeps {
  sql: Sql;
  source: WorkflowSource;
  log: Logger;
  gitDirOf(repo: RepositoryRow): Promise<string | null>;
  maxChangedFiles: number;
  maxAttempts: number;
}

export type TriggerOutcome = 'none' | 'busy' | 'processed' | 'retry';

const BATCH = 16;
const PLAN_CONCURRENCY = 4;

/**
 * Triggers a repository's oldest pending events (up to a batch), in one transaction: definitions, runs, jobs,
 * tasks and the events' processed marks commit together or not at all. Git is read for the whole batch
 * concurrently; the writes then happen in event order. The advisory lock keeps a repository's events in order
 * across replicas.
 */
export async function triggerNextEvents(deps: TriggerDeps, repositoryId: number): Promise<TriggerOutcome> {
  return deps.sql.begin(async (tx) => {
    if (!(await tryLockRepositoryTrigger(tx, repositoryId))) return 'busy';
    const events = await oldestPendingEvents(tx, repositoryId, BATCH);
    if (events.length === 0) return 'none';
    const repo = await getRepository(tx, repositoryId);
    const gitDir = repo === null ? null : await deps.gitDirOf(repo);
    const plans = await mapLimit(events, PLAN_CONCURRENCY, (event) => planEvent(deps, repo, gitDir, event).catch((error: unknown) => error));
    for (const [i, event] of events.entries()) {
      const plan = plans[i];
      if (!(plan instanceof Error) && plan !== undefined && repo !== null) {
        await writePush(deps, tx, repo, event, plan as PushPlan);
        continue;
      }
      const message = plan instanceof Error ? plan.message : String(plan);
      deps.log.warn({ repository: repoName(repo), event: event.id, attempt: event.attempts + 1, err: message }, 'event could not be triggered');
      await markEventAttemptFailed(tx, event.id, message, deps.maxAttempts);
      return 'retry'; // later events wait: a repository's events are triggered in order
    }
    return 'processed';
  });
}

async function planEvent(deps: TriggerDeps, repo: RepositoryRow | null, gitDir: string | null, event: EventRow): Promise<PushPlan> {
  if (!repo) throw new Error(`repository ${event.repository_id} not found`);
  if (gitDir === null) throw new Error(`repository ${repoName(repo)} is not on disk at ${repo.path}`);
  if (event.kind !== 'push') throw new Error(`events of kind ${event.kind} are not supported yet`);
  return planPush(gitDir, event.payload as PushPayload, deps.source, { maxChangedFiles: deps.maxChangedFiles });
}

async function writePush(deps: TriggerDeps, tx: Tx, repo: RepositoryRow, event: EventRow, plan: PushPlan): Promise<void> {
  const payload = event.payload as PushPayload;
  const result = matchEvent(plan.event, plan.files);

  const onDefaultBranch = repo.default_branch !== null && payload.ref === `refs/heads/${repo.default_branch}`;
  const definitionIds = onDefaultBranch && !plan.event.deleted
    ? await syncDefinitions(tx, repo.id, definitionsFromFiles(plan.files))
    : await findDefinitionIds(tx, repo.id);

  const newRuns: NewRun[] = [];
  for (const m of result.matched) {
    const file = plan.files.find((f) => f.path === m.path);
    const workflow = file?.workflows.find((w) => w.name === m.name);
    if (!file || !workflow || plan.commit === null) continue;
    newRuns.push({
      repository_id: repo.id,
      event_id: event.id,
      workflow_definition_id: definitionIds.get(definitionKey(file.path, workflow.function)) ?? null,
      workflow_name: workflow.name,
      workflow_path: file.path,
      function_name: workflow.function,
      workflow_content: file.content,
      title: runTitle(workflow, 'push', payload.ref, plan.commit),
      trigger_event: 'push',
      trigger_user_id: null,
      event_payload: { ...plan.event, changed_files: plan.event.changed_files.slice(0, 100) },
      ref: payload.ref,
      commit_sha: plan.commit,
      runs_on: workflow.runs_on,
      concurrency_group: concurrencyGroup(workflow.concurrency, { ref: shortRef(payload.ref), workflow: workflow.name, event: 'push' }),
      concurrency_cancel: workflow.cancel_in_progress,
    });
  }
  const created = await createRuns(tx, repo.id, newRuns);
  const runs = created.map((c, i) => ({ run_id: c.run_id, run_number: c.run_number, path: newRuns[i]!.workflow_path, name: newRuns[i]!.workflow_name }));
  if (runs.length > 0) await notifyTasksWaiting(tx, repo.id);
  await markEventProcessed(tx, event.id, { runs, skipped: result.skipped });
  deps.log.info({
    repository: repoName(repo), event: event.id, source: event.source, ref: payload.ref,
    before: payload.before, after: payload.after, forced: plan.event.forced, deleted: plan.event.deleted,
    matched: runs.map((r) => `${r.path}:${r.name} #${r.run_number}`), skipped: result.skipped,
  }, `push ${shortRef(payload.ref)} ${payload.before.slice(0, 7)}→${payload.after.slice(0, 7)}: ${runs.length} run(s)`);
}

function repoName(repo: RepositoryRow | null): string {
  return repo ? `${repo.owner}/${repo.name}` : '?';
}

async function mapLimit<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  }));
  return results;
}
