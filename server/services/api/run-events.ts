import { isDeepStrictEqual } from 'node:util';
import { recordAudit } from '../../adapters/db/audit.js';
import type { AuditActor } from '../../adapters/db/audit.js';
import type { Sql, Tx } from '../../adapters/db/connect.js';
import {
  bindRunWait, findRunEventByKey, insertRunEvent, lockRunForEvents, notifyRunEvent, openRunWaits, runEventsNamed, runWaitBindings,
  saveRunEventReply,
} from '../../adapters/db/run-events.js';
import type { RunWaitRow } from '../../adapters/db/run-events.js';
import { isFinishedStatus, statusName } from '../../adapters/db/status.js';
import { eventForWait, raiseRefusal } from '../../core/waits/event-for-wait.js';
import { AppError } from '../errors/app-error.js';

// Raising an event for a run (`POST …/runs/:id/events`, and a host event replying in a run's thread): recorded,
// bound to the wait that receives it if one is open, announced on `plue_run_events` and audited, in one transaction
// under the run's lock. A run not waiting yet keeps the event until its workflow asks for it.

export type RaiseReply = {
  event_id: number;
  name: string;
  /** The wait that received the event at once, or null (kept for a later `wait_for`). */
  delivered_to: { wait_key: string; since: Date; until: Date } | null;
};

export interface RaiseRequest {
  name: string;
  payload: unknown;
  idempotencyKey?: string;
}

export async function raiseRunEvent(
  sql: Sql, repositoryId: number, runId: number, request: RaiseRequest, actor: AuditActor,
): Promise<{ reply: RaiseReply; replayed: boolean }> {
  return sql.begin(async (tx) => {
    const run = await lockRunForEvents(tx, runId, repositoryId);
    if (!run) throw new AppError('not_found', { what: `run ${runId}` });
    if (request.idempotencyKey !== undefined) {
      const first = await findRunEventByKey(tx, runId, request.idempotencyKey);
      if (first) {
        if (first.name !== request.name || !isDeepStrictEqual(first.payload, request.payload ?? null)) {
          throw new AppError('idempotency_key_reused', { key: 'Idempotency-Key', what: 'event' });
        }
        return { reply: first.reply as RaiseReply, replayed: true };
      }
    }
    const open = await openRunWaits(tx, runId);
    const status = statusName(run.status);
    const refusal = raiseRefusal({ finished: isFinishedStatus(run.status), status }, open.map((w) => ({ name: w.name, since: w.started_at, until: w.deadline })), request.name);
    if (refusal) {
      throw new AppError('run_not_waiting', { run: runId, name: request.name, reason: refusal.reason }, { status, waiting_for: refusal.waiting_for });
    }
    const reply = await deliverToLockedRun(tx, { repositoryId, runId, open }, { ...request, source: 'api' }, actor);
    return { reply, replayed: false };
  });
}

/**
 * Records the event for a run whose row this transaction has locked and gives it to the open wait the rule picks:
 * every open wait of this name takes what the rule gives it, oldest wait first; the reply names the one that took
 * this event.
 */
export async function deliverToLockedRun(
  tx: Tx,
  target: { repositoryId: number; runId: number; open?: RunWaitRow[] },
  request: RaiseRequest & { source: string; detail?: Record<string, unknown> },
  actor: AuditActor,
): Promise<RaiseReply> {
  const { repositoryId, runId } = target;
  const open = target.open ?? await openRunWaits(tx, runId);
  const event = await insertRunEvent(tx, {
    repository_id: repositoryId, run_id: runId, name: request.name, payload: request.payload ?? null,
    idempotency_key: request.idempotencyKey ?? null, source: request.source,
  });
  const events = await runEventsNamed(tx, runId, request.name);
  const bindings = await runWaitBindings(tx, runId);
  let deliveredTo: RaiseReply['delivered_to'] = null;
  for (const wait of open.filter((w) => w.name === request.name)) {
    const chosen = eventForWait(wait, events, bindings);
    if (!chosen) continue;
    await bindRunWait(tx, wait.id, chosen.id);
    bindings.push({ wait_key: wait.wait_key, event_id: chosen.id });
    if (chosen.id === event.id) deliveredTo = { wait_key: wait.wait_key, since: wait.started_at, until: wait.deadline };
  }
  const reply: RaiseReply = { event_id: event.id, name: request.name, delivered_to: deliveredTo };
  await saveRunEventReply(tx, event.id, reply);
  await notifyRunEvent(tx, runId);
  await recordAudit(tx, {
    repository_id: repositoryId, kind: 'run.event_raised', actor, subject: { run_id: runId, event_id: event.id },
    detail: {
      name: request.name, delivered_to: deliveredTo?.wait_key ?? null, ...(request.idempotencyKey ? { idempotency_key: request.idempotencyKey } : {}),
      ...request.detail,
    },
  });
  return reply;
}
