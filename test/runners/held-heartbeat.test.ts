// A heartbeat with `wait_seconds` is a long poll: it renews the lease at once, then answers when the task's run is
// asked to cancel (on this replica or another one), when the wait is over, or when the server closes. No fallback
// polling here: a held heartbeat that answers `cancelled: true` was woken by a notification, or by the look after a
// lost LISTEN connection, never by a timer (one that waited out its time answers what it read before waiting).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS } from '../../server/adapters/db/status.js';
import { RunnerClient } from '../../server/runner/client.js';
import type { Heartbeat, Task } from '../../server/runner/protocol.js';
import type { Service } from '../../server/services/service.js';
import { removeTempDirs } from '../git/fixtures.js';
import { call, createApiRepo, startApiService, tokenFor } from '../api/support.js';
import { useTestDatabase } from '../support/db.js';
import { waitFor } from '../support/service.js';
import { ensureRepository, queueRun, registerRunner, startRunnerServer, statusOf } from './support.js';

const db = useTestDatabase();
/** Two replicas of the whole service on one database; the runner talks to `a` only. */
let a: Service;
let b: Service;
let repo: number;
let apiToken: string;
let runner: RunnerClient;

beforeAll(async () => {
  const apiRepo = await createApiRepo();
  a = await startApiService(db.url, apiRepo);
  b = await startApiService(db.url, apiRepo);
  repo = await ensureRepository(db.sql, 'acme', 'app', apiRepo.bare);
  apiToken = await tokenFor(db.sql, 'repo:acme/app');
  const { token } = await RunnerClient.register(a.url, a.runners.settings.registrationToken, { name: 'held', labels: [] });
  runner = new RunnerClient(a.url, token);
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await removeTempDirs();
});

/** The lease is 60 s, so 30 s is the longest wait: longer than a test may take. */
const LONGEST_WAIT = 30;

async function claimOne(): Promise<{ task: Task; runId: number }> {
  const created = await queueRun(db.sql, repo);
  const task = await runner.claim(5);
  expect(task?.run.id).toBe(created.run_id);
  return { task: task!, runId: created.run_id };
}

/** A heartbeat that the server holds, once it is waiting there (in an object: a promise returned would be awaited). */
async function hold(service: Pick<Service, 'runners'>, client: RunnerClient, task: Task, waitSeconds = LONGEST_WAIT, signal?: AbortSignal) {
  const before = service.runners.runSignals.waiting;
  const reply = client.heartbeat(task, { waitSeconds, timeoutMs: waitSeconds * 1000 + 30_000, ...(signal ? { signal } : {}) });
  reply.catch(() => undefined);
  await waitFor(async () => service.runners.runSignals.waiting > before, 'the heartbeat to be held');
  return { reply };
}

const cancelThrough = async (service: Service, runId: number) =>
  (await call(service, 'POST', `/api/repos/acme/app/runs/${runId}/cancel`, { token: apiToken })).status;

describe('a held heartbeat', () => {
  it('answers cancelled as soon as the run is cancelled through the API', async () => {
    const { task, runId } = await claimOne();
    const { reply: held } = await hold(a, runner, task);
    expect(await cancelThrough(a, runId)).toBe(202);
    expect(await held).toMatchObject({ cancelled: true });
    await runner.finish(task, 'cancelled');
    expect(await statusOf(db.sql, 'workflow_runs', runId)).toBe(STATUS.cancelled);
  });

  it('hears of a cancel asked of another replica', async () => {
    const { task, runId } = await claimOne();
    const { reply: held } = await hold(a, runner, task);
    expect(await cancelThrough(b, runId)).toBe(202);
    expect(await held).toMatchObject({ cancelled: true });
    await runner.finish(task, 'cancelled');
  });

  it('answers at once when the run is already being cancelled', async () => {
    const { task, runId } = await claimOne();
    expect(await cancelThrough(b, runId)).toBe(202);
    expect(await runner.heartbeat(task, { waitSeconds: LONGEST_WAIT })).toMatchObject({ cancelled: true });
    await runner.finish(task, 'cancelled');
  });

  it('answers cancelled: false after its wait when nothing happened to its run (a cancel of another run included)', async () => {
    const { task } = await claimOne();
    const other = await queueRun(db.sql, repo);
    const held = runner.heartbeat(task, { waitSeconds: 1 });
    expect(await cancelThrough(b, other.run_id)).toBe(202);
    const beat = await held;
    expect(a.runners.runSignals.waiting).toBe(0);
    expect(beat).toEqual({ lease_expires_at: expect.any(String), cancelled: false });
    expect(Date.parse(beat.lease_expires_at)).toBeGreaterThanOrEqual(Date.parse(task.lease_expires_at));
    await runner.finish(task, 'success');
  });

  it('looks again after the LISTEN connection was lost (its notification may have been missed)', async () => {
    const { task, runId } = await claimOne();
    const { reply: held } = await hold(a, runner, task);
    // A cancel whose notification nobody hears: the mark without NOTIFY.
    await db.sql`update workflow_runs set cancel_requested_at = now() where id = ${runId}`;
    const killed = await db.sql<{ pid: number }[]>`
      select pg_terminate_backend(pid) as pid from pg_stat_activity
      where datname = current_database() and query ilike 'listen %' and pid <> pg_backend_pid()`;
    expect(killed.length).toBeGreaterThan(0);
    expect(await held).toMatchObject({ cancelled: true });
    await runner.finish(task, 'cancelled');
  });

  it('is forgotten when its client goes away', async () => {
    const { task } = await claimOne();
    const controller = new AbortController();
    const { reply: held } = await hold(a, runner, task, LONGEST_WAIT, controller.signal);
    controller.abort();
    await expect(held).rejects.toMatchObject({ name: 'AbortError' });
    await waitFor(async () => a.runners.runSignals.waiting === 0, 'the held heartbeat to be forgotten');
    await runner.finish(task, 'success');
  });

  it('answers at once when the server closes', async () => {
    const closing = await startRunnerServer(db.sql, { pollMs: 0 });
    const client = await registerRunner(closing.url, 'closing');
    const created = await queueRun(db.sql, repo);
    const task = (await client.claim(5))!;
    expect(task.run.id).toBe(created.run_id);
    const { reply: held } = await hold(closing, client, task);
    await closing.close();
    expect(await held).toMatchObject({ cancelled: false });
    await runner.finish(task, 'success');
  });
});

describe('wait_seconds', () => {
  const post = (task: Task, body: unknown) => fetch(`${a.url}/api/runners/tasks/${task.id}/heartbeat`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${task.token}` }, body: JSON.stringify(body),
  });

  it.each([
    ['more than half the lease', { wait_seconds: LONGEST_WAIT + 0.5 }],
    ['negative', { wait_seconds: -1 }],
    ['a string', { wait_seconds: '5' }],
    ['next to an unknown field', { wait_seconds: 1, extra: true }],
  ])('is refused when %s', async (_name, body) => {
    const { task } = await claimOne();
    const response = await post(task, body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_request', details: { problems: [expect.objectContaining({ part: 'body' })] } } });
    await runner.finish(task, 'success');
  });

  it('of 0 answers at once, as no body does', async () => {
    const { task } = await claimOne();
    const replies = [await post(task, { wait_seconds: 0 }), await post(task, {})];
    expect(replies.map((r) => r.status)).toEqual([200, 200]);
    const beats = await Promise.all(replies.map((r) => r.json() as Promise<Heartbeat>));
    expect(beats.map((b) => b.cancelled)).toEqual([false, false]);
    await runner.finish(task, 'success');
  });
});
