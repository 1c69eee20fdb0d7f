// A runner that runs several tasks at a time: claims up to `max_tasks` at once, and reports several final statuses
// in one request (each fenced by its own task token), claiming the next ones in the same request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS } from '../../server/adapters/db/status.js';
import { createRun } from '../../server/adapters/db/runs.js';
import { connectTo, useTestDatabase } from '../support/db.js';
import { waitFor } from '../support/service.js';
import { RunnerClient } from '../../server/runner/client.js';
import { REGISTRATION_TOKEN, ensureRepository, newRun, queueRun, startRunnerServer, statusOf } from './support.js';
import type { RunnerServer } from './support.js';

const db = useTestDatabase();
let server: RunnerServer;
let repo: number;

beforeAll(async () => {
  server = await startRunnerServer(db.sql, { pollMs: 0 });
  repo = await ensureRepository(db.sql);
});
afterAll(async () => {
  await server?.close();
});

const post = (path: string, token: string | null, body: unknown) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });

/** A runner of its own label, with `runs` runs queued for it. */
async function runnerWithRuns(label: string, runs: number) {
  const { token } = await RunnerClient.register(server.url, REGISTRATION_TOKEN, { name: `several-${label}`, labels: [label] });
  const queued = [];
  for (let i = 0; i < runs; i++) queued.push(await queueRun(db.sql, repo, { runs_on: [label] }));
  return { runner: new RunnerClient(server.url, token), token, queued };
}

describe('claiming several tasks at once', () => {
  it('gives up to max_tasks tasks, each with its own token, oldest first; then fewer; then 204', async () => {
    const { runner, token, queued } = await runnerWithRuns('claim-many', 3);
    const first = await runner.claimSeveral(0, 2);
    expect(first.map((t) => t.run.id)).toEqual(queued.slice(0, 2).map((r) => r.run_id));
    expect(new Set(first.map((t) => t.token)).size).toBe(2);
    const second = await runner.claimSeveral(0, 5);
    expect(second.map((t) => t.run.id)).toEqual([queued[2]!.run_id]);
    const none = await post('/api/runners/tasks/claim', token, { max_tasks: 5 });
    expect(none.status).toBe(204);
    for (const task of [...first, ...second]) expect(await statusOf(db.sql, 'workflow_tasks', task.id)).toBe(STATUS.running);
  });

  it('never gives a task to two runners when many claim several at once on two replicas', async () => {
    const label = 'claim-race';
    const replicaSql = connectTo(db.url, 4);
    const replica = await startRunnerServer(replicaSql, { pollMs: 0 });
    try {
      const { queued } = await runnerWithRuns(label, 0);
      for (let i = 0; i < 30; i++) queued.push(await queueRun(db.sql, repo, { runs_on: [label] }));
      const runners = await Promise.all(Array.from({ length: 8 }, async (_, i) => {
        const { token } = await RunnerClient.register(server.url, REGISTRATION_TOKEN, { name: `race-${i}`, labels: [label] });
        return new RunnerClient(i % 2 === 0 ? server.url : replica.url, token);
      }));
      const held = (await Promise.all(runners.map(async (runner) => {
        const mine: Array<{ id: number; run: { id: number } }> = [];
        for (let got = await runner.claimSeveral(0, 3); got.length > 0; got = await runner.claimSeveral(0, 3)) {
          mine.push(...got);
          await runner.finishSeveral(got.map((task) => ({ task, status: 'success' })));
        }
        return mine;
      }))).flat();
      expect(held.map((t) => t.run.id).sort((x, y) => x - y)).toEqual(queued.map((r) => r.run_id));
    } finally {
      await replica.close();
      await replicaSql.end();
    }
  });

  it('wakes a waiting claim, which takes the tasks that arrived together', async () => {
    const { runner } = await runnerWithRuns('claim-woken', 0);
    const claim = runner.claimSeveral(30, 4);
    await waitFor(async () => server.runners.wakeups.waiting === 1, 'the claim to wait');
    const created = await db.sql.begin(async (tx) => [
      await createRun(tx, newRun(repo, { runs_on: ['claim-woken'] })), await createRun(tx, newRun(repo, { runs_on: ['claim-woken'] })),
    ]);
    expect((await claim).map((t) => t.run.id)).toEqual(created.map((r) => r.run_id));
  });

  it.each([
    ['none', { max_tasks: 0 }],
    ['more than 32', { max_tasks: 33 }],
    ['a fraction', { max_tasks: 1.5 }],
  ])('refuses max_tasks of %s with 400', async (_name, body) => {
    const { token } = await runnerWithRuns(`claim-bad-${_name.replace(/\W/g, '')}`, 0);
    const response = await post('/api/runners/tasks/claim', token, body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_request' } });
  });
});

describe('final statuses of several tasks in one request', () => {
  it('records each, rolls each run up, and claims the next tasks in the same request', async () => {
    const { runner, queued } = await runnerWithRuns('statuses', 4);
    const held = await runner.claimSeveral(0, 2);
    const done = await runner.finishSeveral([
      { task: held[0]!, status: 'success' },
      { task: held[1]!, status: 'failure' },
    ], { waitSeconds: 0, maxTasks: 3 });
    expect(done.statuses).toMatchObject([
      { id: held[0]!.id, status: 'success', attempt: 1 },
      { id: held[1]!.id, status: 'failure', attempt: 1 },
    ]);
    expect(await statusOf(db.sql, 'workflow_runs', queued[0]!.run_id)).toBe(STATUS.success);
    expect(await statusOf(db.sql, 'workflow_runs', queued[1]!.run_id)).toBe(STATUS.failure);
    expect(done.tasks.map((t) => t.run.id)).toEqual([queued[2]!.run_id, queued[3]!.run_id]);
    // Without `next`, the reply has no tasks at all.
    const last = await runner.finishSeveral(done.tasks.map((task) => ({ task, status: 'success' })));
    expect(last.statuses.map((s) => 'status' in s && s.status)).toEqual(['success', 'success']);
  });

  it('answers a refused status in its place and records the others; a repeat is answered as the first time', async () => {
    const { runner, queued } = await runnerWithRuns('mixed', 2);
    const [a, b] = await runner.claimSeveral(0, 2);
    await runner.finish(b!, 'success'); // already reported: a repeat of the same verdict is answered, another is refused
    const done = await runner.finishSeveral([
      { task: a!, status: 'success' },
      { task: b!, status: 'success' },
      { task: { id: b!.id, token: 'not-the-token' }, status: 'success' },
      { task: b!, status: 'failure' },
    ]);
    expect(done.statuses).toMatchObject([
      { id: a!.id, status: 'success' },
      { id: b!.id, status: 'success' },
      { id: b!.id, error: { code: 'unauthorized' } },
      { id: b!.id, error: { code: 'lease_lost', details: { status: 'success', ended_by: 'runner' } } },
    ]);
    expect(done.tasks).toEqual([]);
    expect(await statusOf(db.sql, 'workflow_runs', queued[0]!.run_id)).toBe(STATUS.success);
    expect(await statusOf(db.sql, 'workflow_runs', queued[1]!.run_id)).toBe(STATUS.success);
  });

  it('refuses labels the runner lacks before recording anything', async () => {
    const { runner, token } = await runnerWithRuns('labels', 1);
    const [task] = await runner.claimSeveral(0, 1);
    const response = await post('/api/runners/tasks/statuses', token, {
      statuses: [{ id: task!.id, token: task!.token, status: 'success' }], next: { labels: ['gpu'] },
    });
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ error: { code: 'labels_not_registered' } });
    expect(await statusOf(db.sql, 'workflow_tasks', task!.id)).toBe(STATUS.running);
    await runner.finish(task!, 'success');
  });

  it.each([
    ['no statuses', { statuses: [] }],
    ['more than 32 statuses', { statuses: Array.from({ length: 33 }, (_, i) => ({ id: i + 1, token: 't', status: 'success' })) }],
    ['running', { statuses: [{ id: 1, token: 't', status: 'running' }] }],
    ['a status without its token', { statuses: [{ id: 1, status: 'success' }] }],
    ['a year PostgreSQL cannot store', { statuses: [{ id: 1, token: 't', status: 'success', stopped_at: '+010000-01-01T00:00:00Z' }] }],
  ])('refuses %s with 400', async (_name, body) => {
    const { token } = await runnerWithRuns(`bad-${_name.replace(/\W/g, '')}`, 0);
    const response = await post('/api/runners/tasks/statuses', token, body);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_request' } });
  });

  it('needs the runner token', async () => {
    const response = await post('/api/runners/tasks/statuses', null, { statuses: [{ id: 1, token: 't', status: 'success' }] });
    expect(response.status).toBe(401);
  });
});
