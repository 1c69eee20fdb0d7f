// Commit statuses through the real service: one per run change, for every outcome, and for a broken workflow file
// at a pushed commit; the list and the combined status, by commit id, branch, tag and full ref.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunnerClient } from '../../server/runner/client.js';
import type { Task } from '../../server/runner/protocol.js';
import type { Service } from '../../server/services/service.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, git, push, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { waitFor, waitForPushTriggered } from '../support/service.js';
import { expireLease } from '../runners/support.js';
import { call, expectError, startApiService, tokenFor } from './support.js';

const workflow = (name: string, on: string, extra = '') => `from plue import workflow, push


@workflow(name="${name}", on=${on}${extra})
async def run(ctx):
    pass
`;

const BROKEN = `from plue import workflow


@workflow(name="Broken", on=["pushh", "manual"])
async def broken(ctx):
    pass
`;

const db = useTestDatabase();
let service: Service;
let token: string;
let runner: RunnerClient;
let work: string;
let main: string;
const base = '/api/repos/acme/app';

interface StatusJson { id: number; state: string; description: string; target_url: string | null; context: string; created_at: string; run_id: number | null }

const get = (url: string) => call(service, 'GET', url, { token });

async function dispatch(name: string): Promise<number> {
  const reply = await call(service, 'POST', `${base}/workflows/${name}/dispatches`, { token, body: { ref: 'main' } });
  expect(reply.status).toBe(201);
  return reply.body.run_id;
}

async function claim(runId: number): Promise<Task> {
  const task = await runner.claim(5);
  expect(task?.run.id).toBe(runId);
  return task!;
}

/** The statuses a run set on `main`'s commit, oldest first, as [state, description]. */
async function statusesOf(runId: number): Promise<Array<[string, string]>> {
  const reply = await get(`${base}/commits/${main}/statuses?per_page=100`);
  expect(reply.status).toBe(200);
  return (reply.body as StatusJson[]).filter((s) => s.run_id === runId).reverse().map((s) => [s.state, s.description]);
}

beforeAll(async () => {
  const reposDir = await createTempDir('plue-statuses-');
  const bare = await createBareRepo(path.join(reposDir, 'acme', 'app.git'));
  work = await createWorkRepo(bare);
  main = await commitFiles(work, {
    '.plue/workflows/ok.py': workflow('Ok', '"manual"'),
    '.plue/workflows/solo.py': workflow('Solo', '"manual"', ', concurrency="solo"'),
  }, 'workflows');
  await push(work, 'main');
  await git(['tag', 'v1'], work);
  await push(work, 'v1');
  service = await startApiService(db.url, { reposDir, bare, work, shas: { main, feature: main, docsOnly: main } }, { PLUE_RUNNER_MAX_ATTEMPTS: '1' });
  token = await tokenFor(db.sql, 'repo:acme/app');
  runner = new RunnerClient(service.url, (await RunnerClient.register(service.url, service.runners.settings.registrationToken, { name: 'r', labels: [] })).token);
});
afterAll(async () => {
  await service?.close();
  await removeTempDirs();
});

describe('a run sets a status on its commit', () => {
  it('pending while it waits and runs, success when it succeeds, linked to the run', async () => {
    const run = await dispatch('Ok');
    const task = await claim(run);
    await runner.finish(task, 'success');
    const statuses = await statusesOf(run);
    expect(statuses).toEqual([
      ['pending', 'Waiting for a runner'], ['pending', 'Running'], ['success', expect.stringMatching(/^Succeeded in \d+ s$/)],
    ]);
    const [latest] = (await get(`${base}/commits/${main}/statuses`)).body as StatusJson[];
    expect(latest).toEqual({
      id: expect.any(Number), state: 'success', description: statuses[2]![1], context: 'plue/Ok (manual)', run_id: run,
      target_url: `${service.url}/api/repos/acme/app/runs/${run}`, created_at: expect.any(String),
    });
  });

  it('failure when it fails', async () => {
    const run = await dispatch('Ok');
    await runner.finish(await claim(run), 'failure');
    expect(await statusesOf(run)).toEqual([
      ['pending', 'Waiting for a runner'], ['pending', 'Running'], ['failure', expect.stringMatching(/^Failed after \d+ s$/)],
    ]);
  });

  it('error, saying why, when it is cancelled', async () => {
    const run = await dispatch('Ok');
    expect((await call(service, 'POST', `${base}/runs/${run}/cancel`, { token })).status).toBe(202);
    expect(await statusesOf(run)).toEqual([['pending', 'Waiting for a runner'], ['error', 'Cancelled: cancelled on request']]);
  });

  it('failure, saying so, when its runner is lost on the last attempt', async () => {
    const run = await dispatch('Ok');
    const task = await claim(run);
    await expireLease(db.sql, task.id);
    await service.runners.sweeper.sweepOnce();
    expect(await statusesOf(run)).toEqual([
      ['pending', 'Waiting for a runner'], ['pending', 'Running'], ['failure', 'Failed: its runner stopped answering on the last attempt'],
    ]);
  });

  it('pending while its concurrency group holds it back, then runs', async () => {
    const first = await dispatch('Solo');
    const second = await dispatch('Solo');
    expect(await statusesOf(second)).toEqual([
      ['pending', 'Waiting for a runner'], ['pending', 'Waiting for an earlier run of its concurrency group'],
    ]);
    await runner.finish(await claim(first), 'success');
    await waitFor(async () => (await statusesOf(second)).length === 3, 'the second run released');
    await runner.finish(await claim(second), 'success');
    expect(await statusesOf(second)).toEqual([
      ['pending', 'Waiting for a runner'], ['pending', 'Waiting for an earlier run of its concurrency group'],
      ['pending', 'Waiting for a runner'], ['pending', 'Running'], ['success', expect.stringMatching(/^Succeeded in/)],
    ]);
  });
});

describe('a broken workflow file at a pushed commit', () => {
  it('sets an error status naming its first error, once per commit', async () => {
    await git(['checkout', '-q', '-b', 'broken'], work);
    const sha = await commitFiles(work, { '.plue/workflows/broken.py': BROKEN, '.plue/workflows/ci.py': workflow('CI', 'push()') }, 'broken');
    await push(work, 'broken');
    await service.registry.refsChanged('acme/app');
    await waitForPushTriggered(db.sql, 'refs/heads/broken', sha);
    await git(['checkout', '-q', '-b', 'broken-too'], work);
    await push(work, 'broken-too');
    await service.registry.refsChanged('acme/app');
    await waitForPushTriggered(db.sql, 'refs/heads/broken-too', sha);
    await git(['checkout', '-q', 'main'], work);

    const statuses = (await get(`${base}/commits/${sha}/statuses`)).body as StatusJson[];
    const errors = statuses.filter((s) => s.run_id === null);
    expect(errors).toEqual([{
      id: expect.any(Number), state: 'error', context: 'plue/.plue/workflows/broken.py', run_id: null, target_url: null,
      description: expect.stringMatching(/^broken\.py:4:\d+ unknown-event /), created_at: expect.any(String),
    }]);
    // The push workflow ran on both refs, at the same commit: two runs, one context.
    expect(statuses.filter((s) => s.context === 'plue/CI (push)' && s.state === 'pending' && s.description === 'Waiting for a runner')).toHaveLength(2);

    const combined = (await get(`${base}/commits/broken/status`)).body;
    expect(combined).toMatchObject({ state: 'failure', sha, total_count: 2 });
    expect(combined.statuses.map((s: StatusJson) => [s.context, s.state])).toEqual([
      ['plue/CI (push)', 'pending'], ['plue/.plue/workflows/broken.py', 'error'],
    ]);
  });
});

describe('GET …/commits/:ref/status and …/statuses', () => {
  it('combine the latest status of each context', async () => {
    const reply = await get(`${base}/commits/${main}/status`);
    expect(reply.status).toBe(200);
    // Ok's latest run was lost (failure), Solo's last one succeeded.
    expect(reply.body).toMatchObject({ state: 'failure', sha: main, total_count: 2 });
    expect(reply.body.statuses.map((s: StatusJson) => [s.context, s.state])).toEqual([['plue/Solo (manual)', 'success'], ['plue/Ok (manual)', 'failure']]);
  });

  it('name the commit by id, branch, tag or full ref, and page newest first', async () => {
    const all = (await get(`${base}/commits/${main}/statuses?per_page=100`)).body as StatusJson[];
    expect(all.map((s) => s.id)).toEqual([...all.map((s) => s.id)].sort((a, b) => b - a));
    for (const ref of ['main', 'v1', 'refs%2Fheads%2Fmain', main.toUpperCase()]) {
      expect((await get(`${base}/commits/${ref}/statuses?per_page=100`)).body).toEqual(all);
    }
    const page2 = (await get(`${base}/commits/main/statuses?per_page=2&page=2`)).body as StatusJson[];
    expect(page2).toEqual(all.slice(2, 4));
  });

  it('answer pending with no statuses for a commit that has none', async () => {
    const sha = await commitFiles(work, { 'x.txt': 'x\n' }, 'x');
    await push(work, 'main');
    // The push is not triggered here (no watcher): the commit is in the repository, with no statuses yet.
    expect((await get(`${base}/commits/${sha}/status`)).body).toEqual({ state: 'pending', sha, total_count: 0, statuses: [] });
    expect((await get(`${base}/commits/${sha}/statuses`)).body).toEqual([]);
  });

  it('refuse a ref the repository does not have', async () => {
    expectError(await get(`${base}/commits/nope/status`), 422, 'unknown_ref');
    expectError(await get(`${base}/commits/${'0'.repeat(40)}/statuses`), 422, 'unknown_ref');
  });
});
