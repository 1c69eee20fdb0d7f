// POST …/runs/:id/events and the runner's POST /api/runners/tasks/:id/waits: an event raised early is kept, a
// repeated Idempotency-Key records one event, a finished run or one waiting for another name refuses it (409).
// Replies in a thread (chat messages, issue comments) go to the thread's runs; waits are webhooks.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunnerClient } from '../../server/runner/client.js';
import type { Task } from '../../server/runner/protocol.js';
import type { Service } from '../../server/services/service.js';
import { removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { waitFor } from '../support/service.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
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
  for (;;) {
    const task = await runner.claim(5);
    expect(task).not.toBeNull();
    if (task!.run.id === started.body.run_id) return task!;
    await runner.finish(task!, 'success'); // a run an earlier test started and left queued
  }
}

beforeAll(async () => {
  const repo = await createApiRepo();
  service = await startApiService(db.url, repo, { PLUE_WEBHOOK_ALLOW_PRIVATE: '1' });
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

/** The wait webhook's example body in docs/api.md ("Payloads"). */
function documentedWaitPayload(): Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const doc = readFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'api.md'), 'utf8');
  const after = doc.slice(doc.indexOf('sends two more `run` actions per wait'));
  return JSON.parse(/```json\n([\s\S]*?)```/.exec(after)![1]!);
}

describe('a reply in a thread', () => {
  const hostEvent = (body: Record<string, unknown>) => post(`${base}/events?wait=true`, body);

  it('goes to the run its chat thread started, kept until it waits, instead of starting the workflow again', async () => {
    const receiver = await WebhookReceiver.start();
    try {
      const hook = await post(`${base}/hooks`, { url: receiver.url, events: ['run'], secret: 's' });
      expect(hook.status).toBe(201);
      const first = await hostEvent({ event: 'chat', action: 'message', payload: { thread: 't-9', message: 'Why does CI fail?' } });
      expect(first.body.runs).toEqual([expect.objectContaining({ workflow: { name: 'Agent', path: '.plue/workflows/agent.py' } })]);
      expect(first.body.resumed).toBeUndefined();
      const agentRun = first.body.runs[0].run_id as number;
      const task = await runner.claim(5);
      expect(task?.run.id).toBe(agentRun);

      // A reply before the workflow waits: kept for it; the Agent workflow is not started again.
      const early = await hostEvent({ event: 'chat', action: 'message', payload: { thread: 't-9', message: 'it is the cache' } });
      expect(early.body).toMatchObject({ status: 'processed', runs: [], resumed: [{ run_id: agentRun, workflow: { name: 'Agent' }, delivered_to: null }] });
      expect(early.body.skipped).toContainEqual({
        name: 'Agent', path: '.plue/workflows/agent.py', reason: `a reply to run #${task!.run.number} (id ${agentRun}), which it resumes instead`,
      });
      const got = await runner.waitForEvent(task!, { name: 'chat', wait_key: 'chat#1', timeout_seconds: 60 });
      expect(got.event).toMatchObject({ name: 'chat', payload: { thread: 't-9', message: 'it is the cache', action: 'message' } });

      // Held in the second wait: the run says so; the next reply wakes it.
      const held = runner.waitForEvent(task!, { name: 'chat', wait_key: 'chat#2', timeout_seconds: 600, wait_seconds: 20 }, { timeoutMs: 30_000 });
      const waiting = await waitFor(async () => {
        const run = (await call(service, 'GET', `${base}/runs/${agentRun}`, { token })).body;
        return run.waiting_for ? run : null;
      }, 'the run to wait for chat');
      expect(waiting.status_reason).toMatch(/^waiting for `chat` since \d{4}-\d\d-\d\d \d\d:\d\d UTC, until \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
      const reply = await hostEvent({ event: 'chat', action: 'message', payload: { thread: 't-9', message: 'go on' } });
      expect(reply.body.resumed).toEqual([expect.objectContaining({ run_id: agentRun, delivered_to: 'chat#2' })]);
      expect((await held).event).toMatchObject({ payload: { message: 'go on' } });

      // Another thread starts its own run.
      const other = await hostEvent({ event: 'chat', action: 'message', payload: { thread: 't-10', message: 'hello' } });
      expect(other.body.runs).toHaveLength(1);
      expect(other.body.resumed).toBeUndefined();

      // The waits went out as webhooks: recorded, then resumed by an event.
      const waitActions = await waitFor(async () => {
        const seen = receiver.received.filter((d) => d.json.run?.id === agentRun && d.json.wait).map((d) => [d.json.action, d.json.wait.key, d.json.wait.outcome ?? null]);
        return seen.length >= 4 ? seen : null;
      }, 'the wait webhooks');
      expect(waitActions).toEqual([
        ['waiting_for_event', 'chat#1', null], ['resumed', 'chat#1', 'event'], ['waiting_for_event', 'chat#2', null], ['resumed', 'chat#2', 'event'],
      ]);
      const resumed = receiver.received.find((d) => d.json.action === 'resumed' && d.json.wait.key === 'chat#2')!;
      expect(resumed.headers['x-plue-event']).toBe('run');
      expect(resumed.json.run).toMatchObject({ id: agentRun, status: 'running' });
      // Shaped as docs/api.md shows it.
      const documented = documentedWaitPayload();
      expect(Object.keys(resumed.json).sort()).toEqual(Object.keys(documented).sort());
      expect(Object.keys(resumed.json.wait).sort()).toEqual(Object.keys(documented.wait).sort());
    } finally {
      await receiver.close();
    }
  });

  it('goes from an issue comment to a run waiting with a filter on that issue', async () => {
    const task = await runningTask();
    const held = runner.waitForEvent(task, { name: 'issue', wait_key: 'issue#1', timeout_seconds: 600, filters: { number: 12 }, wait_seconds: 20 }, { timeoutMs: 30_000 });
    await waitFor(async () => (await call(service, 'GET', `${base}/runs/${task.run.id}`, { token })).body.waiting_for?.name === 'issue', 'the wait');
    const elsewhere = await hostEvent({ event: 'issue', action: 'commented', payload: { number: 13, body: 'lgtm' } });
    expect(elsewhere.body.resumed).toBeUndefined();
    const opened = await hostEvent({ event: 'issue', action: 'opened', payload: { number: 12, title: 'not a comment' } });
    expect(opened.body.resumed).toBeUndefined();
    const comment = await hostEvent({ event: 'issue', action: 'commented', payload: { number: 12, body: 'lgtm', user: 'ana' } });
    // It also goes to the run that issue #12 started (Triage, on `opened`), which keeps it: it waits for nothing yet.
    const triage = opened.body.runs[0].run_id as number;
    expect(comment.body.resumed).toEqual([
      expect.objectContaining({ run_id: task.run.id, delivered_to: 'issue#1' }),
      expect.objectContaining({ run_id: triage, workflow: { name: 'Triage', path: '.plue/workflows/triage.py' }, delivered_to: null }),
    ]); // oldest run first
    expect((await held).event).toMatchObject({ name: 'issue', payload: { number: 12, body: 'lgtm', action: 'commented' } });
  });
});

