import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Sql } from '../../adapters/db/connect.js';
import { findDefinition } from '../../adapters/db/definitions.js';
import { findEventByKey, markEventProcessed, recordEvent } from '../../adapters/db/events.js';
import type { RepositoryRow } from '../../adapters/db/repositories.js';
import { gitRepository } from '../../adapters/git/index.js';
import { isWorkflowId, selectWorkflows, workflowSuggestion } from '../../core/api/workflow-selector.js';
import { validateInputs } from '../../core/inputs/validate.js';
import { hasErrors } from '../../core/language/model.js';
import type { InputValue, ManualTrigger, Workflow } from '../../core/language/model.js';
import { workflowSkipReason } from '../../core/match/index.js';
import type { EventPlan } from '../trigger/event-plan.js';
import type { WorkflowFileAtCommit, WorkflowSource } from '../trigger/workflow-source.js';
import { writeRuns } from '../trigger/write-runs.js';
import { requestFingerprint } from './fingerprint.js';
import { resolveRef } from './git-refs.js';
import { AppError, invalid } from '../errors/app-error.js';

// Starting a workflow by hand (`POST …/workflows/:workflow/dispatches`): the workflow is read at the ref, its
// inputs are checked, and the run, job and task are written in one transaction with the `manual` event that
// records the request, exactly as the trigger writes a push's. An Idempotency-Key is the event's dedup key, so
// the database, not memory, decides that a retried request starts nothing new, even two at the same time.

export interface DispatchRequest {
  /** Definition id, file path, file name, workflow name or function name. */
  workflow: string;
  /** Branch, tag or full ref; the default branch when absent. */
  ref?: string;
  inputs?: Record<string, unknown>;
  idempotencyKey?: string;
}

// Types, not interfaces: a reply must be assignable to its open response schema's type.
/** A run started on request: by hand, or handed work (handoff.ts). */
export type StartedRun = {
  run_id: number;
  run_number: number;
  /** `blocked` when its concurrency group holds it back, `cancelled` when the group's queue is full. */
  status: 'waiting' | 'blocked' | 'cancelled';
  workflow: { name: string; path: string; function: string };
  ref: string;
  sha: string;
};

export type DispatchReply = StartedRun & { inputs: Record<string, InputValue> };

export interface DispatchDeps {
  sql: Sql;
  source: WorkflowSource;
  log?: Logger;
}

export interface Candidate {
  path: string;
  name: string;
  function: string;
  file: WorkflowFileAtCommit;
  workflow: Workflow | null;
}

export async function dispatchWorkflow(
  deps: DispatchDeps,
  repo: RepositoryRow,
  gitDir: string,
  request: DispatchRequest,
): Promise<{ reply: DispatchReply; replayed: boolean }> {
  const fingerprint = requestFingerprint({ workflow: request.workflow, ref: request.ref ?? null, inputs: request.inputs ?? {} });
  const key = `manual:${request.idempotencyKey ?? randomUUID()}`;
  if (request.idempotencyKey !== undefined) {
    const replay = await replayOf(deps.sql, repo.id, key, fingerprint);
    if (replay) return { reply: replay, replayed: true };
  }

  const { target, files } = await workflowsAt(deps, repo, gitDir, request.ref ?? repo.default_branch);
  const chosen = await chooseWorkflow(deps.sql, repo, files, request.workflow, target.ref);
  const workflow = checkStartable(chosen);
  const manual = workflow.triggers.find((t): t is ManualTrigger => t.event === 'manual')!;
  const checked = validateInputs(manual.inputs, request.inputs ?? {});
  if (!checked.ok) {
    throw invalid('invalid_inputs', checked.problems.map((p) => ({
      part: 'body', field: p.input === '' ? 'inputs' : `inputs.${p.input}`, code: p.code, message: p.message,
      ...(p.allowed ? { allowed: p.allowed } : {}),
    })));
  }

  const described = { name: workflow.name, path: chosen.path, function: workflow.function };
  const plan: EventPlan = {
    match: { kind: 'manual', workflow: workflow.name, ref: target.ref, inputs: checked.inputs },
    commit: target.commit,
    ref: target.ref,
    files: [chosen.file],
    runPayload: { workflow: described, ref: target.ref, sha: target.commit, inputs: checked.inputs },
    describesDefaultBranch: false,
    summary: `manual ${workflow.name} at ${target.ref}`,
  };
  const reply = await deps.sql.begin(async (tx) => {
    const eventId = await recordEvent(tx, {
      repository_id: repo.id, kind: 'manual', dedup_key: key, source: 'api',
      payload: { ...plan.runPayload, request_fingerprint: fingerprint, ...(request.idempotencyKey ? { idempotency_key: request.idempotencyKey } : {}) },
    });
    if (eventId === null) return null; // the same key, committed by a concurrent request while this one waited
    const runs = await writeRuns(tx, repo, eventId, plan, [{ path: chosen.path, name: workflow.name }]);
    const run = runs[0];
    if (!run) throw new Error(`dispatching ${workflow.name} wrote no run`);
    const made: DispatchReply = {
      run_id: run.run_id, run_number: run.run_number, status: run.status, workflow: described,
      ref: target.ref, sha: target.commit, inputs: checked.inputs,
    };
    await markEventProcessed(tx, eventId, { runs, skipped: [], reply: made });
    return made;
  });
  if (reply === null) {
    const replay = await replayOf(deps.sql, repo.id, key, fingerprint);
    if (!replay) throw new AppError('idempotency_conflict');
    return { reply: replay, replayed: true };
  }
  deps.log?.info({ repository: `${repo.owner}/${repo.name}`, run: reply.run_id, workflow: reply.workflow.path, ref: reply.ref },
    `manual ${reply.workflow.name} at ${reply.ref}: run #${reply.run_number}`);
  return { reply, replayed: false };
}

/** The commit a ref names and its workflow files. */
export async function workflowsAt(
  deps: Pick<DispatchDeps, 'source'>, repo: RepositoryRow, gitDir: string, refName: string | null,
): Promise<{ target: { ref: string; commit: string }; files: WorkflowFileAtCommit[] }> {
  if (refName === null) throw new AppError('no_default_branch');
  const git = gitRepository(gitDir);
  const target = await resolveRef(git, refName);
  if (target === null) throw new AppError('unknown_ref', { ref: refName, repository: `${repo.owner}/${repo.name}` }, { ref: refName });
  return { target, files: await deps.source.load(git, target.commit) };
}

/** The reply to a retried request: the first one's, or an error when the key named a different request. */
export async function replayOf<R = DispatchReply>(sql: Sql, repositoryId: number, key: string, fingerprint: string): Promise<R | null> {
  const event = await findEventByKey(sql, repositoryId, key);
  if (!event) return null;
  if (event.payload.request_fingerprint !== fingerprint) {
    throw new AppError('idempotency_key_reused', { key: 'Idempotency-Key', what: 'request' });
  }
  const reply = event.result?.reply as R | undefined;
  if (!reply) throw new AppError('idempotency_conflict');
  return reply;
}

/**
 * The one workflow the selector names at the ref; a definition id means the default branch's workflow. When it
 * names several, the one started by `prefer` (manual or dispatch) is taken, if there is exactly one.
 */
export async function chooseWorkflow(
  sql: Sql, repo: RepositoryRow, files: WorkflowFileAtCommit[], selector: string, ref: string, prefer: 'manual' | 'dispatch' = 'manual',
): Promise<Candidate> {
  const candidates: Candidate[] = files.flatMap((file): Candidate[] => file.workflows.length === 0
    ? [{ path: file.path, name: file.path, function: '', file, workflow: null }]
    : file.workflows.map((w) => ({ path: file.path, name: w.name, function: w.function, file, workflow: w })));
  let chosen = selectWorkflows(candidates, selector);
  if (isWorkflowId(selector)) {
    const definition = await findDefinition(sql, repo.id, Number(selector));
    if (definition) {
      chosen = candidates.filter((c) => c.path === definition.file_path && c.function === definition.function_name);
      if (chosen.length === 0) throw new AppError('workflow_not_found', { reason: `workflow ${selector} (${definition.file_path}) is not at ${ref}` });
    }
  }
  if (chosen.length === 0) {
    const hint = workflowSuggestion(candidates, selector);
    throw new AppError('workflow_not_found', { reason: `no workflow \`${selector}\` at ${ref}${hint === '' ? '' : `.${hint}`}` });
  }
  if (chosen.length > 1) {
    const preferred = chosen.filter((c) => c.workflow?.triggers.some((t) => t.event === prefer));
    if (preferred.length !== 1) {
      throw new AppError('ambiguous_workflow', { selector, count: chosen.length, hint: 'name one by its workflow name or function' }, {
        candidates: chosen.map((c) => ({ name: c.name, path: c.path, function: c.function })),
      });
    }
    chosen = preferred;
  }
  return chosen[0]!;
}

/** The chosen workflow, when its file has no errors. */
export function parsedWorkflow(chosen: Candidate): Workflow {
  if (hasErrors(chosen.file) || chosen.workflow === null) {
    throw new AppError('invalid_workflow', { path: chosen.path }, {
      diagnostics: chosen.file.diagnostics.filter((d) => d.severity === 'error'),
    });
  }
  return chosen.workflow;
}

function checkStartable(chosen: Candidate): Workflow {
  const workflow = parsedWorkflow(chosen);
  const reason = workflowSkipReason({ kind: 'manual', workflow: workflow.name, ref: '', inputs: {} }, chosen.file, workflow);
  if (reason !== null) {
    const handOff = workflow.triggers.some((t) => t.event === 'dispatch') ? ' (it has a `dispatch()` trigger: send a `payload` or `context` to dispatch it)' : '';
    throw new AppError('not_manually_triggerable', { workflow: workflow.name, reason: reason + handOff });
  }
  return workflow;
}
