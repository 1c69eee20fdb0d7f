// A run cancelled while a lease sweep or a give-back puts its task back in the queue: whichever commits first,
// no task of that run may be left waiting or handed to a runner. Each race is played out step by step on real
// transactions, with the second party started while the first still holds its locks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../../server/adapters/db/connect.js';
import { STATUS } from '../../server/adapters/db/status.js';
import { cancelWaitingTasksOfRun, expireLeases, markRunCancelRequested, releaseTask } from '../../server/adapters/db/tasks.js';
import type { RunnerClient } from '../../server/runner/client.js';
import { rollUpJobs } from '../../server/services/runners/rollup.js';
import { requestRunCancel } from '../../server/services/runners/cancel.js';
import { release } from '../../server/services/runners/task-actions.js';
import { hashToken } from '../../server/services/runners/tokens.js';
import { useTestDatabase } from '../support/db.js';
import { ensureRepository, expireLease, queueRun, registerRunner, startRunnerServer, statusOf, tasksOfJob } from './support.js';
import type { RunnerServer } from './support.js';
import { setTimeout as sleep } from 'node:timers/promises';

const db = useTestDatabase();
let server: RunnerServer;
let repo: number;
let first: RunnerClient;
let second: RunnerClient;

beforeAll(async () => {
  server = await startRunnerServer(db.sql, { pollMs: 0, sweepMs: 3_600_000, maxAttempts: 3 });
  repo = await ensureRepository(db.sql);
  first = await registerRunner(server.url, 'first');
  second = await registerRunner(server.url, 'second');
});
afterAll(async () => {
  await server?.close();
});

/**
 * Resolves once `other` has settled (what a missing lock lets happen) or is waiting for a row lock: the moment to
 * let the first party go on. No time limit: on a loaded machine the second party may take long to get there.
 */
async function blockedOrDone(sql: Sql, other: Promise<unknown>): Promise<void> {
  let settled = false;
  void other.then(() => (settled = true), () => (settled = true));
  while (!settled) {
    const [row] = await sql<{ waiting: number }[]>`
      select count(*)::int as waiting from pg_stat_activity
      where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`;
    if (row!.waiting > 0) return;
    await sleep(10);
  }
}

const attempts = async (jobId: number) => (await tasksOfJob(db.sql, jobId)).map((t) => [t.attempt, t.status, t.end_reason]);

/** The run ends cancelled, and nothing of it is left for a runner. */
async function expectNothingLeft(run: { run_id: number; job_id: number }) {
  const waiting = (await tasksOfJob(db.sql, run.job_id)).filter((t) => t.status === STATUS.waiting);
  expect(waiting).toEqual([]);
  expect(await second.claim(0)).toBeNull();
  expect(await statusOf(db.sql, 'workflow_runs', run.run_id)).toBe(STATUS.cancelled);
}

describe('a cancel racing a lease sweep', () => {
  it('that comes while the sweep queues the next attempt cancels that attempt', async () => {
    const run = await queueRun(db.sql, repo);
    const task = (await first.claim(0))!;
    await expireLease(db.sql, task.id);
    let cancel: Promise<unknown> = Promise.resolve();
    await db.sql.begin(async (tx) => {
      const ended = await expireLeases(tx, { maxAttempts: 3, limit: 10 });
      expect(ended.map((e) => e.requeued_task_id !== null)).toEqual([true]);
      cancel = requestRunCancel(db.sql, run.run_id);
      await blockedOrDone(db.sql, cancel);
      await rollUpJobs(tx, ended.map((e) => e.job_id));
    });
    expect(await cancel).toEqual({ outcome: 'requested' });
    expect(await attempts(run.job_id)).toEqual([[1, STATUS.failure, 'lease_expired'], [2, STATUS.cancelled, 'cancelled']]);
    await expectNothingLeft(run);
  });

  it('that is under way when the sweep comes keeps the sweep from queuing another attempt', async () => {
    const run = await queueRun(db.sql, repo);
    const task = (await first.claim(0))!;
    await expireLease(db.sql, task.id);
    let sweep: Promise<unknown> = Promise.resolve();
    await db.sql.begin(async (tx) => {
      // The cancel's own steps, in its order: the mark under the run's lock first.
      expect(await markRunCancelRequested(tx, run.run_id, 'test')).toEqual({ status: STATUS.running });
      sweep = server.runners.sweeper.sweepOnce();
      await blockedOrDone(db.sql, sweep);
      await rollUpJobs(tx, await cancelWaitingTasksOfRun(tx, run.run_id));
    });
    await sweep;
    expect(await attempts(run.job_id)).toEqual([[1, STATUS.cancelled, 'lease_expired']]);
    await expectNothingLeft(run);
  });
});

describe('a cancel racing a give-back', () => {
  it('that comes while the task is being given back cancels it', async () => {
    const run = await queueRun(db.sql, repo);
    const task = (await first.claim(0))!;
    let cancel: Promise<unknown> = Promise.resolve();
    await db.sql.begin(async (tx) => {
      const released = await releaseTask(tx, task.id, hashToken(task.token));
      expect(released).toMatchObject({ cancel_requested: false });
      cancel = requestRunCancel(db.sql, run.run_id);
      await blockedOrDone(db.sql, cancel);
      await rollUpJobs(tx, [released!.job_id]);
    });
    expect(await cancel).toEqual({ outcome: 'requested' });
    expect(await attempts(run.job_id)).toEqual([[1, STATUS.cancelled, 'cancelled']]);
    await expectNothingLeft(run);
  });

  it('that is under way when the task is given back has the task cancelled, not queued', async () => {
    const run = await queueRun(db.sql, repo);
    const task = (await first.claim(0))!;
    let giveBack: Promise<unknown> = Promise.resolve();
    await db.sql.begin(async (tx) => {
      await markRunCancelRequested(tx, run.run_id, 'test');
      giveBack = release(db.sql, task.id, task.token);
      await blockedOrDone(db.sql, giveBack);
      await rollUpJobs(tx, await cancelWaitingTasksOfRun(tx, run.run_id));
    });
    await giveBack;
    expect(await attempts(run.job_id)).toEqual([[1, STATUS.cancelled, 'cancelled']]);
    await expectNothingLeft(run);
  });
});

describe('claims', () => {
  it('never hand out a waiting task of a run that is being cancelled', async () => {
    const run = await queueRun(db.sql, repo);
    // As a cancel leaves it between its first step and its second.
    await db.sql`update workflow_runs set cancel_requested_at = now() where id = ${run.run_id}`;
    expect(await second.claim(0)).toBeNull();
    await requestRunCancel(db.sql, run.run_id);
    await expectNothingLeft(run);
  });

  it('are not waited for by a cancel (the claim waits for the run): the runner hears of it at its first call', async () => {
    const run = await queueRun(db.sql, repo);
    let cancel: Promise<unknown> = Promise.resolve();
    await db.sql.begin(async (tx) => {
      // A claim in flight, by hand: the task is locked, then task, job and run are marked running, in that order.
      await tx`select id from workflow_tasks where id = ${run.task_id} for update`;
      cancel = requestRunCancel(db.sql, run.run_id);
      await blockedOrDone(db.sql, cancel);
      await tx`update workflow_tasks set status = ${STATUS.running}, token_hash = ${hashToken('plt_race')},
        lease_expires_at = now() + interval '60 seconds', started_at = now() where id = ${run.task_id}`;
      await tx`update workflow_jobs set status = ${STATUS.running}, started_at = now() where id = ${run.job_id}`;
      await tx`update workflow_runs set status = ${STATUS.running}, started_at = now() where id = ${run.run_id}`;
    });
    expect(await cancel).toEqual({ outcome: 'requested' });
    expect(await first.heartbeat({ id: run.task_id, token: 'plt_race' })).toMatchObject({ cancelled: true });
    await first.finish({ id: run.task_id, token: 'plt_race' }, 'cancelled');
    expect(await statusOf(db.sql, 'workflow_runs', run.run_id)).toBe(STATUS.cancelled);
  });
});

describe('cancelling', () => {
  it('leaves a finished run alone and says so', async () => {
    const run = await queueRun(db.sql, repo);
    const task = (await first.claim(0))!;
    await first.finish(task, 'success');
    expect(await requestRunCancel(db.sql, run.run_id)).toEqual({ outcome: 'finished', status: 'success' });
    const [row] = await db.sql<{ cancel_requested_at: Date | null }[]>`select cancel_requested_at from workflow_runs where id = ${run.run_id}`;
    expect(row!.cancel_requested_at).toBeNull();
    expect(await requestRunCancel(db.sql, 987654)).toEqual({ outcome: 'not_found' });
  });

  it('does not undo what a runner reported before it heard of the cancel: the first final status stays', async () => {
    const run = await queueRun(db.sql, repo);
    const task = (await first.claim(0))!;
    expect(await requestRunCancel(db.sql, run.run_id)).toEqual({ outcome: 'requested' });
    await first.finish(task, 'success'); // its work was done before the cancel reached it
    expect(await attempts(run.job_id)).toEqual([[1, STATUS.success, 'runner']]);
    expect(await statusOf(db.sql, 'workflow_runs', run.run_id)).toBe(STATUS.success);
    await expect(first.finish(task, 'cancelled')).rejects.toMatchObject({ status: 409, code: 'lease_lost' });
    expect(await statusOf(db.sql, 'workflow_runs', run.run_id)).toBe(STATUS.success);
    expect(await requestRunCancel(db.sql, run.run_id)).toEqual({ outcome: 'finished', status: 'success' });
  });
});
