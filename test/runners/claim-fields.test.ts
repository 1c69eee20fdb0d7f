// What a claim hands out and what a status report takes, where outside data could slip through: inputs (only a
// manual run has them) and the runner's times (only times PostgreSQL can store).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunnerClient } from '../../server/runner/client.js';
import { useTestDatabase } from '../support/db.js';
import { ensureRepository, queueRun, registerRunner, startRunnerServer } from './support.js';
import type { RunnerServer } from './support.js';

const db = useTestDatabase();
let server: RunnerServer;
let repo: number;
let runner: RunnerClient;

beforeAll(async () => {
  server = await startRunnerServer(db.sql, { pollMs: 0, sweepMs: 3_600_000 });
  repo = await ensureRepository(db.sql);
  runner = await registerRunner(server.url, 'fields');
});
afterAll(async () => {
  await server?.close();
});

describe('a claim gives inputs', () => {
  it.each([
    ['manual', { inputs: { replicas: 3 } }, { replicas: 3 }],
    ['manual', { inputs: ['not', 'an', 'object'] }, {}],
    ['manual', {}, {}],
    ['issue', { inputs: { replicas: 'lots' } }, {}],
    ['dispatch', { inputs: { environment: 'prod; curl evil' } }, {}],
    ['push', { inputs: { a: 1 } }, {}],
    ['chat', { inputs: { a: 1 } }, {}],
  ])('of a %s run with payload %j: %j', async (event, payload, inputs) => {
    await queueRun(db.sql, repo, { trigger_event: event, event_payload: { ref: 'refs/heads/main', ...payload } });
    const task = (await runner.claim(0))!;
    expect(task.inputs).toEqual(inputs);
    expect(task.event).toEqual({ name: event, payload: { ref: 'refs/heads/main', ...payload } }); // the payload is kept whole
    await runner.finish(task, 'success');
  });
});

describe('a status report', () => {
  const report = (task: { id: number; token: string }, body: unknown) =>
    fetch(`${server.url}/api/runners/tasks/${task.id}/status`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${task.token}` }, body: JSON.stringify(body),
    });

  it.each([
    ['a leap second', 'success', { stopped_at: '2016-12-31T23:59:60Z' }],
    ['a leap second, running', 'running', { started_at: '2016-12-31T23:59:60Z' }],
    ['the year 0000', 'success', { started_at: '0000-01-01T00:00:00Z' }],
    ['the year 0000 by its offset', 'failure', { stopped_at: '0001-01-01T00:30:00+01:00' }],
    ['past the year 9999 by its offset', 'success', { stopped_at: '9999-12-31T23:59:59-01:00' }],
    ['a day that does not exist', 'success', { started_at: '1900-02-29T00:00:00Z' }],
  ])('refuses %s with 400, and the task stays held', async (_name, status, times) => {
    await queueRun(db.sql, repo);
    const task = (await runner.claim(0))!;
    const response = await report(task, { status, ...times });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
    await runner.finish(task, 'success');
  });

  it.each([
    ['the year 0001', { started_at: '0001-01-01T00:00:00Z' }],
    ['the year 9999', { stopped_at: '9999-12-31T23:59:59Z' }],
    ['nanoseconds', { started_at: '2020-01-01T00:00:00.123456789Z' }],
    ['an offset', { stopped_at: '2030-06-01T12:00:00+02:00' }],
  ])('takes %s (kept between the claim and now)', async (_name, times) => {
    await queueRun(db.sql, repo);
    const task = (await runner.claim(0))!;
    const response = await report(task, { status: 'success', ...times });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { started_at: string; stopped_at: string };
    expect(Date.parse(body.stopped_at)).toBeGreaterThanOrEqual(Date.parse(body.started_at));
    expect(Date.parse(body.stopped_at)).toBeLessThanOrEqual(Date.now() + 1000);
  });
});
