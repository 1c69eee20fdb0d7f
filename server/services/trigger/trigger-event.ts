import type { Logger } from 'pino';
import type { Sql, Tx } from '../../adapters/db/connect.js';
import { syncDefinitions, findDefinitionIds, definitionKey } from '../../adapters/db/definitions.js';
import {
  markEventAttemptFailed, markEventProcessed, oldestPendingEvent, tryLockRepositoryTrigger,
} from '../../adapters/db/events.js';
import type { EventRow } from '../../adapters/db/events.js';
import { getRepository } from '../../adapters/db/repositories.js';
import type { RepositoryRow } from '../../adapters/db/repositories.js';
import { createRun, notifyTasksWaiting } from '../../adapters/db/runs.js';
import { matchEvent } from '../../core/match/index.js';
import { definitionsFromFiles } from '../../core/trigger/definitions.js';
import { concurrencyGroup, runTitle, shortRef } from '../../core/trigger/run-details.js';
import type { PushPayload } from '../ingest/record-ref-updates.js';
import { planPush } from './plan-push.js';
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

/**
 * Triggers the oldest pending event of a repository, in one transaction: definitions, runs, jobs, tasks and
 * the event's processed mark commit together or not at all. The advisory lock keeps a repository's events
 * in order across replicas.
 */
export async function triggerNextEvent(deps: TriggerDeps, repositoryId: number): Promise<TriggerOutcome> {
  return deps.sql.begin(async (tx) => {
    if (!(await tryLockRepositoryTrigger(tx, repositoryId))) return 'busy';
    const event = await oldestPendingEvent(tx, repositoryId);
    if (!event) return 'none';
    const repo = await getRepository(tx, repositoryId);
    try {
      if (!repo) throw new Error(`repository ${repositoryId} not found`);
      if (event.kind !== 'push') throw new Error(`events of kind ${event.kind} are not supported yet`);
      await triggerPush(deps, tx, repo, event);
      return 'processed';
    } catch (error) {
      if (isDatabaseError(error)) throw error;
      const message = error instanceof Error ? error.message : String(error);
      deps.log.warn({ repository: repoName(repo), event: event.id, attempt: event.attempts + 1, err: message }, 'event could not be triggered');
      await markEventAttemptFailed(tx, event.id, message, deps.maxAttempts);
      return 'retry';
    }
  });
}

async function triggerPush(deps: TriggerDeps, tx: Tx, repo: RepositoryRow, event: EventRow): Promise<void> {
  const payload = event.payload as PushPayload;
  const gitDir = await deps.gitDirOf(repo);
  if (gitDir === null) throw new Error(`repository ${repoName(repo)} is not on disk at ${repo.path}`);
  const plan = await planPush(gitDir, payload, deps.source, { maxChangedFiles: deps.maxChangedFiles });
  const result = matchEvent(plan.event, plan.files);

  const onDefaultBranch = repo.default_branch !== null && payload.ref === `refs/heads/${repo.default_branch}`;
  const definitionIds = onDefaultBranch && !plan.event.deleted
    ? await syncDefinitions(tx, repo.id, definitionsFromFiles(plan.files))
    : await findDefinitionIds(tx, repo.id);

  const runs: Array<{ run_id: number; run_number: number; path: string; name: string }> = [];
  for (const m of result.matched) {
    const file = plan.files.find((f) => f.path === m.path);
    const workflow = file?.workflows.find((w) => w.name === m.name);
    if (!file || !workflow || plan.commit === null) continue;
    const created = await createRun(tx, {
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
    runs.push({ run_id: created.run_id, run_number: created.run_number, path: file.path, name: workflow.name });
  }
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

function isDatabaseError(error: unknown): boolean {
  const e = error as { name?: string; code?: string } | null;
  return e?.name === 'PostgresError' || e?.code === 'CONNECTION_CLOSED' || e?.code === 'CONNECTION_ENDED'
    || e?.code === 'ECONNREFUSED' || e?.code === 'CONNECT_TIMEOUT';
}
