import { randomUUID } from 'node:crypto';
import { recordAudit } from '../../adapters/db/audit.js';
import type { AuditActor } from '../../adapters/db/audit.js';
import { insertContextFiles } from '../../adapters/db/context-files.js';
import { markEventProcessed, recordEvent } from '../../adapters/db/events.js';
import type { RepositoryRow } from '../../adapters/db/repositories.js';
import type { DispatchLimits } from '../../config.js';
import { workflowSkipReason } from '../../core/match/index.js';
import type { Chain } from '../../core/trigger/chain.js';
import { loopProblem } from '../../core/trigger/chain.js';
import { contextFilesProblems, MAX_DISPATCH_PAYLOAD_BYTES } from '../../core/trigger/context-files.js';
import type { EventPlan } from '../trigger/event-plan.js';
import { writeRuns } from '../trigger/write-runs.js';
import { AppError, invalid } from '../errors/app-error.js';
import { chooseWorkflow, parsedWorkflow, replayOf, workflowsAt } from './dispatch.js';
import type { DispatchDeps, StartedRun } from './dispatch.js';
import { requestFingerprint } from './fingerprint.js';

// Handing work to another workflow: a dispatch with a payload and context files, from a running task
// (`POST /api/runners/tasks/:id/dispatches`) or through the user API. The target must have a `dispatch()`
// trigger at the ref. The event, its context files, the run, job and task and the audit row are written in one
// transaction, like a manual dispatch; a refusal writes only its audit row. An Idempotency-Key is the event's
// dedup key: a retry answers with the first reply and starts nothing.

export interface HandoffRequest {
  /** Definition id, file path, file name, workflow name or function name. */
  workflow: string;
  /** Branch, tag or full ref; `defaultRef` when absent. */
  ref?: string;
  payload?: unknown;
  context?: Record<string, string>;
  idempotencyKey?: string;
}

export interface HandoffOrigin {
  /** Who asks (a task, or a token), for the audit trail and the runs' payload. */
  actor: AuditActor;
  /** The chain the dispatch's event joins: a task's run's child chain, or a new one. */
  chain: Chain;
  /** The ref when the request names none: the task's, or the default branch. */
  defaultRef: string | null;
  /** `task` (a running workflow) or `api` (a person, the host). */
  source: 'task' | 'api';
}

export type HandoffReply = StartedRun & { context_files: string[] };

export interface HandoffDeps extends DispatchDeps {
  limits: DispatchLimits;
}

export async function handOff(
  deps: HandoffDeps,
  repo: RepositoryRow,
  gitDir: string,
  request: HandoffRequest,
  origin: HandoffOrigin,
): Promise<{ reply: HandoffReply; replayed: boolean }> {
  const fingerprint = requestFingerprint({
    workflow: request.workflow, ref: request.ref ?? null, payload: request.payload ?? null, context: request.context ?? {},
  });
  const key = `dispatch:${request.idempotencyKey ?? randomUUID()}`;
  if (request.idempotencyKey !== undefined) {
    const replay = await replayOf<HandoffReply>(deps.sql, repo.id, key, fingerprint);
    if (replay) return { reply: replay, replayed: true };
  }
  let reply: HandoffReply | null;
  try {
    reply = await checkAndWrite(deps, repo, gitDir, request, origin, { key, fingerprint });
  } catch (error) {
    if (error instanceof AppError) await auditRefusal(deps, repo, request, origin, error);
    throw error;
  }
  if (reply === null) {
    const replay = await replayOf<HandoffReply>(deps.sql, repo.id, key, fingerprint);
    if (!replay) throw new AppError('idempotency_conflict');
    return { reply: replay, replayed: true };
  }
  deps.log?.info({ repository: `${repo.owner}/${repo.name}`, run: reply.run_id, workflow: reply.workflow.path, ref: reply.ref, actor: origin.actor },
    `dispatch ${reply.workflow.name} at ${reply.ref}: run #${reply.run_number}`);
  return { reply, replayed: false };
}

/** Null when a concurrent request with the same key committed first. */
async function checkAndWrite(
  deps: HandoffDeps, repo: RepositoryRow, gitDir: string, request: HandoffRequest, origin: HandoffOrigin,
  dedup: { key: string; fingerprint: string },
): Promise<HandoffReply | null> {
  const loop = loopProblem(origin.chain, deps.limits.maxDepth);
  if (loop !== null) throw new AppError('loop_detected', { reason: loop }, { depth: origin.chain.depth, max_depth: deps.limits.maxDepth });
  const payloadBytes = Buffer.byteLength(JSON.stringify(request.payload ?? null), 'utf8');
  if (payloadBytes > MAX_DISPATCH_PAYLOAD_BYTES) {
    throw invalid('invalid_request', [{
      part: 'body', field: 'payload', code: 'too_large',
      message: `body/payload is ${payloadBytes} bytes as JSON; the limit is ${MAX_DISPATCH_PAYLOAD_BYTES}`,
    }]);
  }
  const context = request.context ?? {};
  const problems = contextFilesProblems(context, deps.limits);
  if (problems.length > 0) {
    throw invalid('invalid_context_file', problems.map((p) => p.file === null
      ? { part: 'body', field: 'context', code: p.code, message: p.message }
      : { part: 'body', field: `context.${p.file}`, code: p.code, message: `context file ${JSON.stringify(p.file)}: ${p.message}` }));
  }

  const { target, files } = await workflowsAt(deps, repo, gitDir, request.ref ?? origin.defaultRef);
  const chosen = await chooseWorkflow(deps.sql, repo, files, request.workflow, target.ref, 'dispatch');
  const workflow = parsedWorkflow(chosen);
  if (workflowSkipReason({ kind: 'dispatch' }, chosen.file, workflow) !== null) {
    const triggers = [...new Set(workflow.triggers.map((t) => t.event))];
    throw new AppError('not_dispatchable', { workflow: workflow.name, triggers: triggers.join(', ') || 'none' }, { triggers });
  }

  const described = { name: workflow.name, path: chosen.path, function: workflow.function };
  const names = Object.keys(context).sort();
  const runPayload = {
    workflow: described, ref: target.ref, sha: target.commit, payload: request.payload ?? null, context_files: names,
    parent_run_id: origin.chain.parent_run_id, dispatched_by: origin.actor,
  };
  const plan: EventPlan = {
    match: { kind: 'dispatch' }, commit: target.commit, ref: target.ref, files: [chosen.file], runPayload,
    describesDefaultBranch: false, summary: `dispatch ${workflow.name} at ${target.ref}`,
  };
  return deps.sql.begin(async (tx) => {
    const eventId = await recordEvent(tx, {
      repository_id: repo.id, kind: 'dispatch', dedup_key: dedup.key, source: origin.source, chain: origin.chain,
      payload: { ...runPayload, request_fingerprint: dedup.fingerprint, ...(request.idempotencyKey ? { idempotency_key: request.idempotencyKey } : {}) },
    });
    if (eventId === null) return null;
    await insertContextFiles(tx, eventId, context);
    const runs = await writeRuns(tx, repo, eventId, plan, [{ path: chosen.path, name: workflow.name }], { chain: origin.chain });
    const run = runs[0];
    if (!run) throw new Error(`dispatching ${workflow.name} wrote no run`);
    const made: HandoffReply = {
      run_id: run.run_id, run_number: run.run_number, status: run.status, workflow: described, ref: target.ref, sha: target.commit,
      context_files: names,
    };
    await markEventProcessed(tx, eventId, { runs, skipped: [], reply: made });
    await recordAudit(tx, {
      repository_id: repo.id, kind: 'dispatch.accepted', actor: origin.actor,
      subject: { event_id: eventId, run_id: run.run_id, workflow: described },
      detail: { ref: target.ref, sha: target.commit, context_files: names.length, depth: origin.chain.depth, parent_run_id: origin.chain.parent_run_id },
    });
    return made;
  });
}

/** A refusal leaves nothing but its audit row, written on its own (the dispatch's transaction never began or rolled back). */
async function auditRefusal(deps: HandoffDeps, repo: RepositoryRow, request: HandoffRequest, origin: HandoffOrigin, error: AppError): Promise<void> {
  await recordAudit(deps.sql, {
    repository_id: repo.id, kind: error.code === 'loop_detected' ? 'loop.stopped' : 'dispatch.refused', actor: origin.actor,
    subject: { workflow: request.workflow, ...(origin.chain.parent_run_id !== null ? { parent_run_id: origin.chain.parent_run_id } : {}) },
    detail: { code: error.code, message: error.message, ref: request.ref ?? origin.defaultRef, depth: origin.chain.depth },
  }).catch((auditError: unknown) => deps.log?.warn({ err: auditError }, 'cannot record a refused dispatch in the audit trail'));
}
