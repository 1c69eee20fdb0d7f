// Tasks completed by an external system, through the HTTP API: a runner hands its task off, the outside completes
// or fails it with the completion token (once; the same call again gets the same answer), misses its deadline, or
// the run is cancelled while it waits. The runner's token controls nothing from the handoff on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTaskLog } from '../../server/adapters/db/logs.js';
import { findRunOf, jobsOfRun } from '../../server/adapters/db/run-views.js';
import { STATUS } from '../../server/adapters/db/status.js';
import { pageUrls } from '../../server/http/page-urls.js';
import { presentRunDetail } from '../../server/http/present.js';
import { LeaseLostError } from '../../server/runner/client.js';
import type { RunnerClient } from '../../server/runner/client.js';
import type { HandedOff, Task } from '../../server/runner/protocol.js';
import { requestRunCancel } from '../../server/services/runners/cancel.js';
import { useTestDatabase } from '../support/db.js';
import { waitFor } from '../support/service.js';
import { ensureRepository, expireLease, queueRun, registerRunner, startRunnerServer, statusOf, tasksOfJob } from './support.js';
import type { RunnerServer } from './support.js';

const db = useTestDatabase();
let server: RunnerServer;
let runner: RunnerClient;
let repo: number;

beforeAll(async () => {
  server = await startRunnerServer(db.sql, { pollMs: 0, sweepMs: 100 });
  runner = await registerRunner(server.url, 'external');
  repo = await ensureRepository(db.sql);
});
afterAll(async () => {
  await server?.close();
});

interface Held { task: Task; runId: number; jobId: number }

async function claimNew(): Promise<Held> {
  await queueRun(db.sql, repo);
  const task = await runner.claim(5);
  if (!task) throw new Error('no task');
  await runner.running(task, new Date());
  return { task, runId: task.run.id, jobId: task.job.id };
}

async function handedOff(body: Record<string, unknown> = { external_ref: 'ABC-12', timeout_seconds: 3600 }): Promise<Held & { handoff: HandedOff }> {
  const held = await claimNew();
  return { ...held, handoff: await runner.handoff(held.task, body as { timeout_seconds: number }) };
}

async function post(path: string, token: string | null, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function runDetail(runId: number) {
  const run = await findRunOf(db.sql, repo, runId);
  return presentRunDetail(run!, await jobsOfRun(db.sql, runId), [], pageUrls('http://127.0.0.1', { owner: 'acme', name: 'app' }));
}

describe('a handoff', () => {
  it('takes the task from its runner: it waits on the outside, its run keeps running', async () => {
    const { task, runId, handoff } = await handedOff();
    expect(handoff).toEqual({
      task_id: task.id, status: 'submitted', external_ref: 'ABC-12', completion_token: expect.stringMatching(/^plc_/),
      complete_url: `/api/tasks/${task.id}/complete`, fail_url: `/api/tasks/${task.id}/fail`, deadline: expect.any(String),
    });
    expect(Date.parse(handoff.deadline) - Date.now()).toBeGreaterThan(3500_000);
    const [stored] = await db.sql`select completion_token_hash, lease_expires_at from workflow_tasks where id = ${task.id}`;
    expect(stored!.completion_token_hash).not.toContain(handoff.completion_token);
    expect(stored!.lease_expires_at).toBeNull();

    const detail = await runDetail(runId);
    expect(detail.status).toBe('running');
    expect(detail.jobs[0]!.status).toBe('running');
    expect(detail.jobs[0]!.tasks[0]).toMatchObject({
      status: 'running', end_reason: null, waiting_on: expect.stringMatching(/^the outside \(ref ABC-12\) since .*, until /),
      external: { ref: 'ABC-12', output: null },
    });
  });

  it("leaves the runner's token controlling nothing: heartbeat, status, logs and release get 409 lease_lost", async () => {
    const { task } = await handedOff();
    const calls = [
      () => runner.heartbeat(task), () => runner.running(task, new Date()), () => runner.finish(task, 'success'),
      () => runner.logs(task, '', ['late'], 1), () => runner.release(task), () => runner.handoff(task, { timeout_seconds: 10 }),
    ];
    for (const call of calls) {
      const error = await call().then(() => null, (e: unknown) => e);
      expect(error).toBeInstanceOf(LeaseLostError);
      expect(error).toMatchObject({ code: 'lease_lost', details: { status: 'running', ended_by: 'handed_off' } });
      expect((error as Error).message).toContain('handed off to an external system');
    }
  });

  it('is not recorded when the lease is already lost: 409, and nothing changed', async () => {
    const { task, jobId } = await claimNew();
    await expireLease(db.sql, task.id);
    const reply = await post(`/api/runners/tasks/${task.id}/handoff`, task.token, { timeout_seconds: 60 });
    expect([reply.status, reply.body.error.code]).toEqual([409, 'lease_lost']);
    const [row] = await db.sql`select handed_off_at, completion_token_hash, external_ref from workflow_tasks where id = ${task.id}`;
    expect(row).toEqual({ handed_off_at: null, completion_token_hash: null, external_ref: null });
    // The lease runs out as any other: swept (here, or by the periodic sweep, which may hold the row right now) and retried.
    await server.runners.sweeper.sweepOnce();
    await waitFor(async () => {
      const reasons = (await tasksOfJob(db.sql, jobId)).map((t) => t.end_reason);
      return reasons.length === 2 && reasons[0] === 'lease_expired' && reasons[1] === null;
    }, 'the lost lease to be swept and the task retried');
    await requestRunCancel(db.sql, task.run.id);
  });

  it('refuses a bad body or token without touching the task', async () => {
    const { task } = await claimNew();
    for (const body of [{}, { timeout_seconds: 0 }, { timeout_seconds: 30 * 24 * 3600 + 1 }, { timeout_seconds: 1.5 }, { timeout_seconds: 10, external_ref: 'a\u0000b' }]) {
      const reply = await post(`/api/runners/tasks/${task.id}/handoff`, task.token, body);
      expect([body, reply.status, reply.body.error?.code]).toEqual([body, 400, 'invalid_request']);
    }
    expect((await post(`/api/runners/tasks/${task.id}/handoff`, 'plt_wrong', { timeout_seconds: 10 })).status).toBe(401);
    await runner.heartbeat(task);
  });

  it('is not mistaken for an expired lease by the lease sweep', async () => {
    const { task } = await handedOff();
    await server.runners.sweeper.sweepOnce();
    expect(await statusOf(db.sql, 'workflow_tasks', task.id)).toBe(STATUS.running);
  });
});

describe('a completion', () => {
  it('ends the task, its job and its run, and stores and shows the output', async () => {
    const { task, runId, handoff } = await handedOff();
    const output = { approved_by: 'alice', notes: ['ok'] };
    const reply = await post(handoff.complete_url, handoff.completion_token, { status: 'success', output });
    expect(reply).toEqual({ status: 200, body: { task_id: task.id, status: 'success', completed_at: expect.any(String) } });
    const detail = await runDetail(runId);
    expect(detail.status).toBe('success');
    expect(detail.jobs[0]!.tasks[0]).toMatchObject({ status: 'success', end_reason: 'external', waiting_on: null, external: { ref: 'ABC-12', output } });
    expect((await readTaskLog(db.sql, task.id)).map((l) => l.content).slice(-1)).toEqual(['[plue] completed by the external system: success']);
  });

  it('fails the task with /fail (the output kept), and the run fails', async () => {
    const { runId, handoff } = await handedOff();
    const reply = await post(handoff.fail_url, handoff.completion_token, { output: { reason: 'rejected' } });
    expect([reply.status, reply.body.status]).toEqual([200, 'failure']);
    expect(await statusOf(db.sql, 'workflow_runs', runId)).toBe(STATUS.failure);
    expect((await runDetail(runId)).jobs[0]!.tasks[0]!.external).toMatchObject({ output: { reason: 'rejected' } });
  });

  it('answers the same call again as the first time, and refuses a different one with 409', async () => {
    const { task, handoff } = await handedOff();
    const first = await post(handoff.complete_url, handoff.completion_token, { status: 'success', output: { n: 1 } });
    expect(await post(handoff.complete_url, handoff.completion_token, { status: 'success', output: { n: 1 } })).toEqual(first);
    for (const [url, body] of [[handoff.complete_url, { status: 'success', output: { n: 2 } }], [handoff.complete_url, { status: 'failure', output: { n: 1 } }], [handoff.fail_url, {}]] as const) {
      const other = await post(url, handoff.completion_token, body);
      expect([other.status, other.body.error.code, other.body.error.details]).toEqual([409, 'task_already_completed', { status: 'success', ended_by: 'external' }]);
    }
    expect(await statusOf(db.sql, 'workflow_tasks', task.id)).toBe(STATUS.success);
  });

  it('refuses a missing or wrong token, or an unknown task, alike', async () => {
    const { task, handoff } = await handedOff();
    const body = { status: 'success' };
    for (const [path, token] of [[handoff.complete_url, null], [handoff.complete_url, 'plc_wrong'], [handoff.complete_url, task.token], [`/api/tasks/999999/complete`, handoff.completion_token]] as const) {
      const reply = await post(path, token, body);
      expect([reply.status, reply.body.error.code]).toEqual([401, 'unauthorized']);
    }
    const tooBig = await post(handoff.complete_url, handoff.completion_token, { status: 'success', output: 'x'.repeat(64 * 1024) });
    expect([tooBig.status, tooBig.body.error.code]).toEqual([413, 'body_too_large']);
    const bad = await post(handoff.complete_url, handoff.completion_token, { status: 'cancelled' });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'invalid_request']);
    expect(await statusOf(db.sql, 'workflow_tasks', task.id)).toBe(STATUS.running);
  });
});

describe('a handoff past its deadline', () => {
  it('fails the task (external_timeout) at the next sweep, and a late completion is refused', async () => {
    const { task, runId, handoff } = await handedOff({ external_ref: 'SLOW-1', timeout_seconds: 1 });
    await waitFor(async () => (await statusOf(db.sql, 'workflow_runs', runId)) === STATUS.failure, 'the run to fail at the deadline');
    const [row] = await tasksOfJob(db.sql, (await runDetail(runId)).jobs[0]!.id);
    expect([row!.status, row!.end_reason]).toEqual([STATUS.failure, 'external_timeout']);
    expect((await readTaskLog(db.sql, task.id)).map((l) => l.content).slice(-1)[0]).toContain('(ref SLOW-1) did not complete the task before its deadline');
    const late = await post(handoff.complete_url, handoff.completion_token, { status: 'success' });
    expect([late.status, late.body.error.details]).toEqual([409, { status: 'failure', ended_by: 'external_timeout' }]);
  });
});

describe('cancelling the run', () => {
  it('cancels the handed-off task at once; a completion afterwards is refused', async () => {
    // An admin-level hook, so that the changes go to the outbox (no sender runs here to take them).
    await db.sql`insert into webhooks (url, events, secret) values ('http://127.0.0.1:9/hook', '{*}', 's')`;
    const { task, runId, handoff } = await handedOff();
    expect(await requestRunCancel(db.sql, runId)).toEqual({ outcome: 'requested' });
    expect(await statusOf(db.sql, 'workflow_tasks', task.id)).toBe(STATUS.cancelled);
    expect(await statusOf(db.sql, 'workflow_runs', runId)).toBe(STATUS.cancelled);
    const states = await db.sql<{ kind: string; state: string }[]>`select kind, state from outbox where run_id = ${runId} order by id`;
    expect(states).toEqual(expect.arrayContaining([{ kind: 'job', state: 'cancelled' }, { kind: 'run', state: 'cancelled' }]));
    const late = await post(handoff.complete_url, handoff.completion_token, { status: 'success' });
    expect([late.status, late.body.error.code, late.body.error.details]).toEqual([409, 'task_already_completed', { status: 'cancelled', ended_by: 'cancelled' }]);
  });

  it('wins over a completion that waited for the run: the task is cancelled, the completion refused', async () => {
    const { task, runId, handoff } = await handedOff();
    // A cancel that skipped the task (a completion held it) leaves the mark; the completion reads it under the run's lock.
    await db.sql`update workflow_runs set cancel_requested_at = now(), cancel_reason = 'test' where id = ${runId}`;
    const reply = await post(handoff.complete_url, handoff.completion_token, { status: 'success' });
    expect([reply.status, reply.body.error.details]).toEqual([409, { status: 'cancelled', ended_by: 'cancelled' }]);
    expect(await statusOf(db.sql, 'workflow_tasks', task.id)).toBe(STATUS.cancelled);
    expect(await statusOf(db.sql, 'workflow_runs', runId)).toBe(STATUS.cancelled);
  });
});
