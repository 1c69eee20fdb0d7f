// What of a host event's free-form `payload` reaches a run: never its ref (only the checked top-level `ref` may
// choose where workflows are read), and never inputs (only a manual run has inputs, checked when it starts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../server/services/service.js';
import { removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { REGISTRATION_TOKEN } from '../runners/support.js';
import { call, createApiRepo, expectError, startApiService, tokenFor } from './support.js';
import type { ApiRepo } from './support.js';

const db = useTestDatabase();
let service: Service;
let repo: ApiRepo;
let token: string;
let runnerToken: string;

beforeAll(async () => {
  repo = await createApiRepo();
  service = await startApiService(db.url, repo, { PLUE_RUNNER_REGISTRATION_TOKEN: REGISTRATION_TOKEN });
  token = await tokenFor(db.sql, 'repo:acme/app');
  const registered = await call(service, 'POST', '/api/runners/register', { token: REGISTRATION_TOKEN, body: { name: 'payloads' } });
  runnerToken = registered.body.token;
});
afterAll(async () => {
  await service?.close();
  await removeTempDirs();
});

const send = (body: unknown) => call(service, 'POST', '/api/repos/acme/app/events?wait=true', { token, body });

async function claimAndFinish(): Promise<{ ref: string; sha: string; inputs: unknown; event: { payload: Record<string, unknown> } }> {
  const claimed = await call(service, 'POST', '/api/runners/tasks/claim', { token: runnerToken, body: { wait_seconds: 0 } });
  expect(claimed.status).toBe(200);
  const task = claimed.body;
  await call(service, 'POST', `/api/runners/tasks/${task.id}/status`, { token: task.token, body: { status: 'success' } });
  return task;
}

describe('payload.ref', () => {
  it.each([
    ['a dispatch', { event: 'dispatch', payload: { ref: 'refs/heads/feature~1' } }],
    ['a dispatch, with a plain branch', { event: 'dispatch', payload: { ref: 'feature' } }],
    ['a dispatch, not a string', { event: 'dispatch', payload: { ref: 42 } }],
    ['a dispatch that has a top-level ref too', { event: 'dispatch', ref: 'main', payload: { ref: 'feature' } }],
    ['a chat', { event: 'chat', payload: { ref: 'feature' } }],
    ['an issue', { event: 'issue', action: 'opened', payload: { ref: null } }],
    ['a pull request', {
      event: 'pull_request', action: 'opened', base_ref: 'main', head_ref: 'feature', payload: { ref: 'refs/heads/main' },
    }],
  ])('is refused on %s (422, nothing recorded)', async (_what, event) => {
    const body = event.event === 'pull_request' ? { ...event, base_sha: repo.shas.main, head_sha: repo.shas.feature } : event;
    const before = await db.sql`select id from events`;
    const reply = await send(body);
    expectError(reply, 422, 'invalid_event');
    expect(reply.body.error.details.problems).toContainEqual(expect.objectContaining({ field: 'payload.ref', code: 'reserved' }));
    expect(await db.sql`select id from events`).toHaveLength(before.length);
  });

  it('the top-level ref of a dispatch still chooses where workflows are read', async () => {
    const reply = await send({ event: 'dispatch', ref: 'feature', payload: { version: '1' } });
    expect(reply.body).toMatchObject({ status: 'processed', runs: [expect.objectContaining({ workflow: expect.objectContaining({ name: 'Hook' }) })] });
    const task = await claimAndFinish();
    expect({ ref: task.ref, sha: task.sha }).toEqual({ ref: 'refs/heads/feature', sha: repo.shas.feature });
  });
});

describe('payload.inputs', () => {
  it.each([
    ['an issue', { event: 'issue', action: 'opened', payload: { inputs: { replicas: 'lots', environment: 'prod; curl evil' } } }],
    ['a dispatch', { event: 'dispatch', payload: { inputs: { environment: 'production' } } }],
    ['a chat', { event: 'chat', payload: { inputs: { replicas: 1 } } }],
  ])('of %s stay in the payload: the run and its task have no inputs', async (_what, event) => {
    const reply = await send(event);
    expect(reply.body.runs).toHaveLength(1);
    const run = await call(service, 'GET', `/api/repos/acme/app/runs/${reply.body.runs[0].run_id}`, { token });
    expect(run.body.inputs).toEqual({});
    expect(run.body.payload.inputs).toEqual(event.payload.inputs);
    const task = await claimAndFinish();
    expect(task.inputs).toEqual({});
    expect(task.event.payload.inputs).toEqual(event.payload.inputs);
  });

  it('of a manual run are its checked inputs', async () => {
    const reply = await call(service, 'POST', '/api/repos/acme/app/workflows/deploy.py/dispatches', { token, body: { inputs: { replicas: '2' } } });
    expect(reply.status).toBe(201);
    const run = await call(service, 'GET', `/api/repos/acme/app/runs/${reply.body.run_id}`, { token });
    expect(run.body.inputs).toEqual({ replicas: 2, environment: 'staging', dry_run: true });
    expect((await claimAndFinish()).inputs).toEqual({ replicas: 2, environment: 'staging', dry_run: true });
  });
});

describe('numbers in a payload', () => {
  it('are stored as written, even past what a JavaScript number holds; a redelivery is still the same event', async () => {
    const body = '{"event": "issue", "action": "opened", "delivery_id": "big-numbers", "payload": {"n": 1e400, "big": 12345678901234567890, "action": "x"}}';
    const post = () => service.app.inject({
      method: 'POST', url: '/api/repos/acme/app/events',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, payload: body,
    });
    const first = await post();
    expect(first.statusCode).toBe(202);
    const [row] = await db.sql<{ n: boolean; big: string; action: string }[]>`
      select payload->'n' = '1e400'::jsonb as n, payload->>'big' as big, payload->>'action' as action
      from events where id = ${first.json().event_id}`;
    expect(row).toEqual({ n: true, big: '12345678901234567890', action: 'opened' });
    const again = await post();
    expect([again.statusCode, again.json().event_id, again.json().duplicate]).toEqual([202, first.json().event_id, true]);
  });
});
