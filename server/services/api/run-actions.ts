import { recordAudit } from '../../adapters/db/audit.js';
import type { AuditActor } from '../../adapters/db/audit.js';
import type { Sql } from '../../adapters/db/connect.js';
import { linkRerun, lockRunForRerun } from '../../adapters/db/reruns.js';
import { findRunOf } from '../../adapters/db/run-views.js';
import type { RunDetailRow } from '../../adapters/db/run-views.js';
import { createRun } from '../../adapters/db/runs.js';
import { isFinishedStatus, statusName } from '../../adapters/db/status.js';
import { admitRuns } from '../concurrency/admit.js';
import { requestRunCancel } from '../runners/cancel.js';
import { recordWorkflowRunEvents } from '../trigger/record-workflow-run.js';
import { AppError } from '../errors/app-error.js';

// What a person does to a run: cancel it, or run it again; each audited with who asked, in the same transaction.

export async function runOrNotFound(sql: Sql, repositoryId: number, runId: number): Promise<RunDetailRow> {
  const run = await findRunOf(sql, repositoryId, runId);
  if (!run) throw new AppError('not_found', { what: `run ${runId}` });
  return run;
}

/**
 * Cancels a run: tasks still waiting are cancelled at once (a waiting run is then cancelled), running ones are told
 * through their runner's held heartbeat within moments. Cancelling again is harmless; a finished run is a conflict.
 */
export async function cancelRun(sql: Sql, repositoryId: number, runId: number, actor: AuditActor): Promise<RunDetailRow> {
  await runOrNotFound(sql, repositoryId, runId);
  // Decided under the run's lock: a run that finishes meanwhile is a conflict, not a cancelled-looking success.
  const request = await requestRunCancel(sql, runId, 'cancelled on request', (tx) => recordAudit(tx, {
    repository_id: repositoryId, kind: 'run.cancelled', actor, subject: { run_id: runId }, detail: { reason: 'cancelled on request' },
  }));
  if (request.outcome === 'not_found') throw new AppError('not_found', { what: `run ${runId}` });
  if (request.outcome === 'finished') {
    throw new AppError('run_finished', { run: runId, status: request.status }, { status: request.status });
  }
  return runOrNotFound(sql, repositoryId, runId);
}

export type RerunReply = {
  run_id: number;
  run_number: number;
  run_attempt: number;
  rerun_of: number;
  status: 'waiting' | 'blocked' | 'cancelled';
};

/**
 * Runs a finished run again as a NEW run (new id and number) with the same commit, workflow source, event and
 * payload, linked to the run it repeats (`rerun_of`) and to the first run of the chain, numbered as its next
 * attempt. One transaction, like the trigger's writes; runners are woken when it commits.
 */
export async function rerunRun(sql: Sql, repositoryId: number, runId: number, actor: AuditActor): Promise<RerunReply> {
  return sql.begin(async (tx) => {
    const source = await lockRunForRerun(tx, repositoryId, runId);
    if (!source) throw new AppError('not_found', { what: `run ${runId}` });
    if (!isFinishedStatus(source.run.status)) {
      const status = statusName(source.run.status);
      throw new AppError('run_not_finished', { run: runId, status }, { status });
    }
    if (source.workflow_content === null) throw new AppError('nothing_to_rerun', { run: runId });
    const { id: _id, status: _status, ...fields } = source.run;
    const created = await createRun(tx, {
      ...fields, event_id: null, trigger_user_id: null, runs_on: source.runs_on, workflow_content: source.workflow_content,
    });
    await linkRerun(tx, created.run_id, { rerunOf: runId, originalRunId: source.original_run_id, runAttempt: source.next_attempt });
    const admitted = await admitRuns(tx, repositoryId, [{
      run_id: created.run_id, run_number: created.run_number, concurrency_group: fields.concurrency_group,
      cancel_in_progress: fields.concurrency_cancel, concurrency_queue: fields.concurrency_queue,
    }]);
    await recordWorkflowRunEvents(tx, [created.run_id], 'requested');
    const status = admitted.cancelled.length > 0 ? 'cancelled' : admitted.held.length > 0 ? 'blocked' : 'waiting';
    await recordAudit(tx, {
      repository_id: repositoryId, kind: 'run.rerun', actor, subject: { run_id: created.run_id, rerun_of: runId },
      detail: { run_number: created.run_number, run_attempt: source.next_attempt, status },
    });
    return { run_id: created.run_id, run_number: created.run_number, run_attempt: source.next_attempt, rerun_of: runId, status };
  });
}
