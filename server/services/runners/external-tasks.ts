import type { Sql } from '../../adapters/db/connect.js';
import { endExternalTask, endOverdueHandoffs, handOffTask, lockExternalTask } from '../../adapters/db/external-tasks.js';
import type { OverdueTask } from '../../adapters/db/external-tasks.js';
import { appendServiceLogLine } from '../../adapters/db/logs.js';
import type { Queryable } from '../../adapters/db/queryable.js';
import { STATUS, statusName } from '../../adapters/db/status.js';
import { AppError } from '../errors/app-error.js';
import { freedGroups, startNextRuns } from '../concurrency/start-next.js';
import { rollUpJobs } from './rollup.js';
import type { RunRollup } from './rollup.js';
import { accessError } from './task-actions.js';
import { hashToken, newCompletionToken } from './tokens.js';

// Tasks completed by an external system (docs/runners.md): a running task hands itself off with its task token,
// and whoever holds the completion token it got back ends it later. Each change and its roll-up into job and run
// is one transaction; the next run of a freed concurrency group starts after the commit.

export interface Handoff {
  externalRef: string | null;
  timeoutSeconds: number;
}

export interface HandoffReply {
  task_id: number;
  status: 'submitted';
  external_ref: string | null;
  completion_token: string;
  complete_url: string;
  fail_url: string;
  deadline: Date;
}

/** Takes the task from its runner. Refused (and nothing changed) unless the token holds a live lease. */
export async function handOff(sql: Sql, id: number, token: string, handoff: Handoff): Promise<HandoffReply> {
  const hash = hashToken(token);
  const completionToken = newCompletionToken();
  const row = await sql.begin(async (tx) => {
    const task = await handOffTask(tx, {
      id, tokenHash: hash, externalRef: handoff.externalRef, completionTokenHash: hashToken(completionToken), timeoutSeconds: handoff.timeoutSeconds,
    });
    if (task) {
      await appendServiceLogLine(tx, id, `[plue] handed off to an external system${handoff.externalRef === null ? '' : ` (ref ${handoff.externalRef})`}; `
        + `it has until ${task.external_deadline.toISOString()} to complete the task`);
    }
    return task;
  });
  if (!row) throw await accessError(sql, id, hash);
  return {
    task_id: id, status: 'submitted', external_ref: handoff.externalRef, completion_token: completionToken,
    complete_url: `/api/tasks/${id}/complete`, fail_url: `/api/tasks/${id}/fail`, deadline: row.external_deadline,
  };
}

export type CompletionStatus = 'success' | 'failure';

export interface CompletionReply {
  task_id: number;
  status: CompletionStatus;
  completed_at: Date;
}

/**
 * Ends a handed-off task with the outside's verdict and output. The same completion again is answered as the
 * first time; any other call on an ended task (a different verdict or output, or a task that timed out or was
 * cancelled) is refused. A run being cancelled wins: the task is cancelled, and the completion refused.
 */
export async function completeTask(
  sql: Sql, id: number, completionToken: string, completion: { status: CompletionStatus; output: unknown },
): Promise<CompletionReply> {
  const outputJson = JSON.stringify(completion.output ?? null);
  const status = STATUS[completion.status];
  const result = await sql.begin(async (tx) => {
    const task = await lockExternalTask(tx, id, hashToken(completionToken), outputJson);
    if (!task) return { kind: 'unknown' as const };
    if (task.status !== STATUS.running) {
      const same = task.end_reason === 'external' && task.status === status && task.same_output;
      return { kind: same ? 'repeated' as const : 'ended' as const, task, rollups: [] };
    }
    const cancelled = task.cancel_requested;
    const ended = await endExternalTask(tx, {
      id, status: cancelled ? STATUS.cancelled : status, endReason: cancelled ? 'cancelled' : 'external', outputJson: cancelled ? null : outputJson,
    });
    await appendServiceLogLine(tx, id, cancelled
      ? '[plue] the run is being cancelled, so the task is cancelled and its completion refused'
      : `[plue] completed by the external system: ${completion.status}`);
    const rollups = await rollUpJobs(tx, [task.job_id]);
    return { kind: cancelled ? 'ended' as const : 'completed' as const, task: { ...task, status: cancelled ? STATUS.cancelled : status, end_reason: cancelled ? 'cancelled' : 'external', stopped_at: ended.stopped_at }, rollups };
  });
  if (result.kind === 'unknown') throw new AppError('unauthorized');
  await startNextRuns(sql, freedGroups(result.rollups));
  const { task } = result;
  if (result.kind === 'ended') {
    throw new AppError('task_already_completed', { task: id, state: `${statusName(task.status)}, ended by ${task.end_reason}` }, {
      status: statusName(task.status), ended_by: task.end_reason,
    });
  }
  return { task_id: id, status: completion.status, completed_at: task.stopped_at! };
}

/**
 * Ends up to `limit` handed-off tasks past their deadline (or of a run being cancelled), inside the caller's
 * transaction; returns them and their roll-ups. Not retried: the external system, not a runner, missed it.
 */
export async function endOverdueHandoffsIn(tx: Queryable, limit: number): Promise<{ ended: OverdueTask[]; rollups: RunRollup[] }> {
  const ended = await endOverdueHandoffs(tx, limit);
  if (ended.length === 0) return { ended, rollups: [] };
  for (const task of ended) {
    await appendServiceLogLine(tx, task.id, task.status === STATUS.cancelled
      ? '[plue] the run is cancelled, so the handed-off task is cancelled'
      : `[plue] the external system${task.external_ref === null ? '' : ` (ref ${task.external_ref})`} did not complete the task before its deadline; it fails`);
  }
  return { ended, rollups: await rollUpJobs(tx, ended.map((t) => t.job_id)) };
}
