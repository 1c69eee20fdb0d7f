// POST …/runs/:id/events and the runner's POST /api/runners/tasks/:id/waits: an event raised early is kept, a
// repeated Idempotency-Key records one event, a finished run or one waiting for another name refuses it (409).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunnerClient } from '../../server/runner/client.js';
import type { Task } from '../../server/runner/protocol.js';
import type { Service } from '../../server/services/service.js';
import { removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { call, createApiRepo, expectError, startApiService, tokenFor } from './support.js';

const db = useTestDatabase();
let service: Service;
let token: string;
let runner: RunnerClient;
const base = '/api/repos/acme/app';

const post = (url: string, body: unknown, headers: Record<string, string> = {}) => call(service, 'POST', url, { token, body, headers });
const raise = (runId: number, name: string, payload: unknown, headers: Record<string, string> = {}) =>
  post(`${base}/runs/${runId}/events`, { name, payload }, headers);

/** A running task of a new run of Lint. */
async function runningTask(): Promise<Task> {
  const admin = await tokenFor(db.sql, 'admin');
  const started = await call(service, 'POST', `${base}/workflows/Lint/dispatches`, { token: admin, body: { ref: 'main' } });
  expect(started.status).toBe(201);
  const task = await runner.claim(5);
  expect(task?.run.id).toBe(started.body.run_id);
  return task!;
}

beforeAll(async () => {
  const repo = await createApiRepo();
  service = await startApiService(db.url, repo);
  token = await tokenFor(db.sql, 'repo:acme/app');
  runner = new RunnerClient(service.url, (await RunnerClient.register(service.url, service.runners.settings.registrationToken, { name: 'runner-1', labels: [] })).token);
});
afterAll(async () => {
  await service?.close();
  await removeTempDirs();
});

describe('raising an event', () => {
  it('keeps an event raised before the workflow waits, and delivers it when it does', async () => {
    const task = await runningTask();
    const raised = await raise(task.run.id, 'approval', { approved: true });
    expect(raised.status).toBe(202);
    expect(raised.body).toEqual({ event_id: expect.any(Number), name: 'approval', delivered_to: null });
    const got = await runner.waitForEvent(task, { name: 'approval', wait_key: 'approval#1', timeout_seconds: 60 });
    expect(got.event).toMatchObject({ id: raised.body.event_id, name: 'approval', payload: { approved: true } });
    // The same wait key asks again (a later attempt): the same event. The next wait gets nothing yet.
    expect((await runner.waitForEvent(task, { name: 'approval', wait_key: 'approval#1', timeout_seconds: 60 })).event?.id).toBe(raised.body.event_id);
    expect((await runner.waitForEvent(task, { name: 'approval', wait_key: 'approval#2', timeout_seconds: 60 })).event).toBeNull();
  });

  it('wakes a held wait, shows what the run waits for, and audits the raise', async () => {
    const task = await runningTask();
    const held = runner.waitForEvent(task, { name: 'approval', wait_key: 'approval#1', timeout_seconds: 600, wait_seconds: 20 }, { timeoutMs: 30_000 });
    await expect.poll(async () => (await call(service, 'GET', `${base}/runs/${task.run.id}`, { token })).body.waiting_for?.name, { timeout: 5000 }).toBe('approval');
    const shown = (await call(service, 'GET', `${base}/runs/${task.run.id}`, { token })).body.waiting_for;
    expect(new Date(shown.until).getTime() - new Date(shown.since).getTime()).toBe(600_000);
    const raised = await raise(task.run.id, 'approval', 'ship it');
    expect(raised.status).toBe(202);
    expect(raised.body.delivered_to).toMatchObject({ wait_key: 'approval#1' });
    expect((await held).event).toMatchObject({ id: raised.body.event_id, payload: 'ship it' });
    expect((await call(service, 'GET', `${base}/runs/${task.run.id}`, { token })).body.waiting_for).toBeNull();
    const audit = await call(service, 'GET', `${base}/audit?kind=run.event_raised`, { token: await tokenFor(db.sql, 'admin') });
    expect(audit.body.audit[0]).toMatchObject({ subject: { run_id: task.run.id, event_id: raised.body.event_id }, detail: { name: 'approval', delivered_to: 'approval#1' } });
  });

  it('records one event for a repeated Idempotency-Key and answers the first reply', async () => {
    const task = await runningTask();
    const first = await raise(task.run.id, 'approval', { ok: 1 }, { 'idempotency-key': 'raise-1' });
    const again = await raise(task.run.id, 'approval', { ok: 1 }, { 'idempotency-key': 'raise-1' });
    expect(again.status).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    const [counted] = await db.sql<{ n: number }[]>`select count(*)::int as n from run_events where run_id = ${task.run.id}`;
    expect(counted?.n).toBe(1);
    expectError(await raise(task.run.id, 'approval', { ok: 2 }, { 'idempotency-key': 'raise-1' }), 422, 'idempotency_key_reused');
  });

  it('refuses an event for a run waiting for another name, saying what it waits for', async () => {
    const task = await runningTask();
    const held = runner.waitForEvent(task, { name: 'reply', wait_key: 'reply#1', timeout_seconds: 600, wait_seconds: 20 }, { timeoutMs: 30_000 });
    await expect.poll(async () => (await call(service, 'GET', `${base}/runs/${task.run.id}`, { token })).body.waiting_for?.name, { timeout: 5000 }).toBe('reply');
    const refused = await raise(task.run.id, 'approval', {});
    expectError(refused, 409, 'run_not_waiting');
    expect(refused.body.error.details.waiting_for).toEqual([expect.objectContaining({ name: 'reply' })]);
    await raise(task.run.id, 'reply', 'hello');
    expect((await held).event?.payload).toBe('hello');
  });

  it('refuses an event for a finished run', async () => {
    const task = await runningTask();
    await runner.finish(task, 'success');
    const refused = await raise(task.run.id, 'approval', {});
    expectError(refused, 409, 'run_not_waiting');
    expect(refused.body.error.details).toMatchObject({ status: 'success', waiting_for: [] });
  });

  it('times a wait out at its deadline', async () => {
    const task = await runningTask();
    const reply = await runner.waitForEvent(task, { name: 'approval', wait_key: 'approval#1', timeout_seconds: 0.3, wait_seconds: 10 }, { timeoutMs: 20_000 });
    expect(reply).toMatchObject({ event: null, timed_out: true });
    // An event raised after the deadline is not delivered to that wait.
    expect((await raise(task.run.id, 'approval', {})).status).toBe(202);
    expect((await runner.waitForEvent(task, { name: 'approval', wait_key: 'approval#1', timeout_seconds: 0.3 })).timed_out).toBe(true);
  });

  it('refuses bad requests with 4xx', async () => {
    const task = await runningTask();
    expectError(await post(`${base}/runs/${task.run.id}/events`, { payload: {} }), 400);
    expectError(await post(`${base}/runs/${task.run.id}/events`, { name: 'a#1' }), 400);
    expectError(await post(`${base}/runs/999999/events`, { name: 'approval' }), 404, 'not_found');
    expectError(await call(service, 'POST', `${base}/runs/${task.run.id}/events`, { token: await tokenFor(db.sql, 'repo:acme/app', true), body: { name: 'a' } }), 403);
  });
});
