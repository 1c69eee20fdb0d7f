import type { Sql } from '../../adapters/db/connect.js';
import {
  bindRunWait, lockRunForEvents, markRunWaitTimedOut, recordRunWait, runEventById, runEventsNamed, runWaitBindings,
} from '../../adapters/db/run-events.js';
import { leasedTaskRun } from '../../adapters/db/tasks.js';
import { eventForWait } from '../../core/waits/event-for-wait.js';
import { accessError } from './task-actions.js';
import type { RunSignals } from './run-signals.js';
import { hashToken } from './tokens.js';

// A running task waits for an event raised for its run (`ctx.wait_for`, docs/runners.md "Waiting for an event").
// The wait is recorded on the first call (its deadline counts from then) and answered from PostgreSQL on every
// call, so a call on any replica, or a later attempt's call with the same wait key, gets the same event. A held
// call sleeps on `plue_run_events` and reads again when woken.

export interface WaitRequest {
  name: string;
  wait_key: string;
  filters?: Record<string, unknown> | null;
  timeout_seconds: number;
}

export type WaitReply = {
  event: { id: number; name: string; payload: unknown; raised_at: Date } | null;
  deadline: Date;
  timed_out?: true;
};

export interface WaitHold {
  signals: RunSignals;
  waitMs: number;
  abort?: AbortSignal;
}

type Look = { reply: WaitReply; done: boolean };

export async function waitForRunEvent(sql: Sql, taskId: number, token: string, request: WaitRequest, hold: WaitHold): Promise<WaitReply> {
  const hash = hashToken(token);
  const until = performance.now() + hold.waitMs;
  // Watching before the first read: an event committed between the read and the wait still wakes this call.
  const watch = hold.signals.watch();
  try {
    let look = await lookOnce(sql, taskId, hash, request);
    while (!look.done) {
      // The deadline is the database's clock: a little slack keeps a skewed local clock from spinning.
      const left = Math.min(until - performance.now(), Math.max(50, look.reply.deadline.getTime() - Date.now()));
      const woke = await watch.wait(look.runId, left, hold.abort);
      if (woke === 'aborted' || woke === 'closed') break;
      look = await lookOnce(sql, taskId, hash, request);
      if (woke === 'timeout' && until - performance.now() <= 0) break;
    }
    return look.reply;
  } finally {
    watch.end();
  }
}

/** One read under the run's lock: records the wait, binds an event if one is there, or times the wait out. */
async function lookOnce(sql: Sql, taskId: number, hash: string, request: WaitRequest): Promise<Look & { runId: number }> {
  const result = await sql.begin(async (tx) => {
    const task = await leasedTaskRun(tx, taskId, hash);
    if (!task) return null;
    await lockRunForEvents(tx, task.run_id);
    const wait = await recordRunWait(tx, {
      run_id: task.run_id, task_id: taskId, wait_key: request.wait_key, name: request.name,
      filters: request.filters ?? null, timeout_seconds: request.timeout_seconds,
    });
    const event = async (id: number) => {
      const row = await runEventById(tx, id);
      return row && { id: row.id, name: row.name, payload: row.payload, raised_at: row.created_at };
    };
    if (wait.event_id !== null) return { runId: task.run_id, done: true, reply: { event: await event(wait.event_id), deadline: wait.deadline } };
    if (wait.timed_out || wait.expired) {
      await markRunWaitTimedOut(tx, wait.id);
      return { runId: task.run_id, done: true, reply: { event: null, deadline: wait.deadline, timed_out: true as const } };
    }
    const chosen = eventForWait(wait, await runEventsNamed(tx, task.run_id, wait.name), await runWaitBindings(tx, task.run_id));
    if (!chosen) return { runId: task.run_id, done: false, reply: { event: null, deadline: wait.deadline } };
    await bindRunWait(tx, wait.id, chosen.id);
    return { runId: task.run_id, done: true, reply: { event: await event(chosen.id), deadline: wait.deadline } };
  });
  if (!result) throw await accessError(sql, taskId, hash);
  return result;
}
