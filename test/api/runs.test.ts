// GET …/runs (filters, pages), GET …/runs/:id, …/logs, POST …/cancel and …/rerun, with a real runner.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunnerClient } from '../../server/runner/client.js';
import type { Task } from '../../server/runner/protocol.js';
import type { Service } from '../../server/services/service.js';
import { commitFiles, createBareRepo, createWorkRepo, push, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { waitForPushTriggered } from '../support/service.js';
import { DEPLOY, call, createApiRepo, expectError, startApiService, tokenFor } from './support.js';
import type { ApiRepo } from './support.js';

const db = useTestDatabase();
let service: Service;
let repo: ApiRepo;
let token: string;
let runner: RunnerClient;
const base = '/api/repos/acme/app';
const runs: Record<'deployMain' | 'deployFeature' | 'lint' | 'push' | 'issue' | 'other', number> = {} as never;

const get = (url: string) => call(service, 'GET', url, { token });
const post = (url: string, body?: unknown) => call(service, 'POST', url, { token, ...(body === undefined ? {} : { body }) });

async function dispatched(workflow: string, ref: string, owner = 'acme', name = 'app'): Promise<number> {
  const admin = await tokenFor(db.sql, 'admin');
  const reply = await call(service, 'POST', `/api/repos/${owner}/${name}/workflows/${workflow}/dispatches`, { token: admin, body: { ref, inputs: workflow === 'deploy.py' ? { replicas: 1 } : {} } });
  expect(reply.status).toBe(201);
  return reply.body.run_id;
}

/** Claims the one waiting task, which must belong to `runId`. */
async function claimRun(runId: number): Promise<Task> {
  const task = await runner.claim(5);
  expect(task?.run.id).toBe(runId);
  return task!;
}

beforeAll(async () => {
  repo = await createApiRepo();
  const otherBare = await createBareRepo(path.join(repo.reposDir, 'acme', 'other.git'));
  const otherWork = await createWorkRepo(otherBare);
  await commitFiles(otherWork, { '.plue/workflows/deploy.py': DEPLOY }, 'deploy');
  await push(otherWork, 'main');
  service = await startApiService(db.url, repo);
  token = await tokenFor(db.sql, 'repo:acme/app');
  runner = new RunnerClient(service.url, (await RunnerClient.register(service.url, service.runners.settings.registrationToken, { name: 'runner-1', labels: [] })).token);

  runs.deployMain = await dispatched('deploy.py', 'main');
  runs.deployFeature = await dispatched('deploy.py', 'feature');
  runs.lint = await dispatched('Lint', 'main');
  const sha = await commitFiles(repo.work, { 'src/app.py': 'print("v2")\n' }, 'v2');
  await push(repo.work, 'main');
  await service.registry.refsChanged('acme/app');
  const pushed = await waitForPushTriggered(db.sql, 'refs/heads/main', sha);
  runs.push = (pushed.runs[0] as { run_id: number }).run_id;
  const issue = await call(service, 'POST', `${base}/events?wait=true`, { token, body: { event: 'issue', action: 'opened' } });
  runs.issue = issue.body.runs[0].run_id;
  runs.other = await dispatched('deploy.py', 'main', 'acme', 'other');
});
afterAll(async () => {
  await service?.close();
  await removeTempDirs();
});

describe('GET …/runs', () => {
  it('lists the repository\'s runs, newest first, with total_count', async () => {
    const reply = await get(`${base}/runs`);
    expect(reply.status).toBe(200);
    expect(reply.body.total_count).toBe(5);
    expect(reply.body.runs.map((r: { id: number }) => r.id)).toEqual([runs.issue, runs.push, runs.lint, runs.deployFeature, runs.deployMain]);
    expect(reply.body.runs[1]).toMatchObject({
      event: 'push', ref: 'refs/heads/main', status: 'waiting', run_attempt: 1, rerun_of: null,
      workflow: { name: 'CI', path: '.plue/workflows/ci.py', function: 'ci', id: expect.any(Number) },
    });
  });

  it.each([
    ['workflow=Deploy', ['deployFeature', 'deployMain']],
    ['workflow=deploy.py', ['deployFeature', 'deployMain']],
    ['workflow=.plue%2Fworkflows%2Fdeploy.py', ['deployFeature', 'deployMain']],
    ['workflow=lint', ['lint']],
    ['workflow=pair.py', ['lint']],
    ['workflow=nope', []],
    ['event=manual', ['lint', 'deployFeature', 'deployMain']],
    ['event=push', ['push']],
    ['event=issue', ['issue']],
    ['event=chat', []],
    ['status=waiting', ['issue', 'push', 'lint', 'deployFeature', 'deployMain']],
    ['status=success', []],
    ['branch=feature', ['deployFeature']],
    ['branch=refs%2Fheads%2Ffeature', ['deployFeature']],
    ['branch=main&event=manual', ['lint', 'deployMain']],
    ['workflow=Deploy&branch=main', ['deployMain']],
  ] as const)('filters %s', async (query, expected) => {
    const reply = await get(`${base}/runs?${query}`);
    expect(reply.status).toBe(200);
    expect(reply.body.runs.map((r: { id: number }) => r.id)).toEqual(expected.map((k) => runs[k]));
    expect(reply.body.total_count).toBe(expected.length);
  });

  it('filters by commit, full or abbreviated, in any case', async () => {
    for (const sha of [repo.shas.feature, repo.shas.feature.slice(0, 7), repo.shas.feature.slice(0, 7).toUpperCase()]) {
      const reply = await get(`${base}/runs?sha=${sha}`);
      expect(reply.body.runs.map((r: { id: number }) => r.id)).toEqual([runs.deployFeature]);
    }
  });

  it.each([
    ['per_page=2', 2, 5],
    ['per_page=2&page=3', 1, 5],
    ['per_page=2&page=4', 0, 5],
    ['per_page=100', 5, 5],
    ['page=1000000', 0, 5],
  ])('pages: %s', async (query, count, total) => {
    const reply = await get(`${base}/runs?${query}`);
    expect(reply.status).toBe(200);
    expect(reply.body.runs).toHaveLength(count);
    expect(reply.body.total_count).toBe(total);
  });

  it('pages do not overlap', async () => {
    const pages = await Promise.all([1, 2, 3].map((p) => get(`${base}/runs?per_page=2&page=${p}`)));
    const ids = pages.flatMap((p) => p.body.runs.map((r: { id: number }) => r.id));
    expect(ids).toEqual([runs.issue, runs.push, runs.lint, runs.deployFeature, runs.deployMain]);
  });

  it.each([
    'per_page=0', 'per_page=101', 'per_page=-1', 'page=0', 'page=1000001', 'page=x', 'status=done', 'event=pushed',
    'sha=xyz', 'sha=abc', 'branch=', 'unknown=1', 'per_page=1&per_page=2',
  ])('refuses %s with 400', async (query) => {
    expectError(await get(`${base}/runs?${query}`), 400, 'invalid_request');
  });
});

describe('GET …/runs/:id', () => {
  it('shows a run with its jobs and their attempts', async () => {
    const reply = await get(`${base}/runs/${runs.deployMain}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      id: runs.deployMain, event: 'manual', status: 'waiting', started_at: null, stopped_at: null, duration_ms: null,
      inputs: { replicas: 1, environment: 'staging', dry_run: true }, payload: { ref: 'refs/heads/main', sha: repo.shas.main },
    });
    expect(reply.body.jobs).toHaveLength(1);
    expect(reply.body.jobs[0]).toMatchObject({ name: 'Deploy', function: 'deploy', status: 'waiting', attempt: 1, runs_on: [] });
    expect(reply.body.jobs[0].tasks).toEqual([expect.objectContaining({ attempt: 1, status: 'waiting', runner: null, end_reason: null, log_lines: 0 })]);
  });

  it.each([
    ['a run of another repository', () => `${base}/runs/${runs.other}`, 404, 'not_found'],
    ['an unknown run', () => `${base}/runs/99999999`, 404, 'not_found'],
    ['run 0', () => `${base}/runs/0`, 400, 'invalid_request'],
    ['a run id that is not a number', () => `${base}/runs/abc`, 400, 'invalid_request'],
    ['a run id past 2^53', () => `${base}/runs/99999999999999999999`, 400, 'invalid_request'],
    ['logs of a run of another repository', () => `${base}/runs/${runs.other}/logs`, 404, 'not_found'],
  ])('answers %s with %i', async (_what, url, status, code) => {
    expectError(await get(url()), status, code);
  });
});

describe('cancel', () => {
  it('cancels waiting runs at once; cancelling a finished run is a conflict', async () => {
    for (const key of ['deployMain', 'deployFeature', 'lint', 'push', 'issue'] as const) {
      const reply = await post(`${base}/runs/${runs[key]}/cancel`);
      expect(reply.status).toBe(202);
      expect(reply.body).toMatchObject({ id: runs[key], status: 'cancelled', cancel_requested: true });
    }
    const detail = await get(`${base}/runs/${runs.deployMain}`);
    expect(detail.body.jobs[0]).toMatchObject({ status: 'cancelled', tasks: [expect.objectContaining({ status: 'cancelled', end_reason: 'cancelled' })] });
    const again = await post(`${base}/runs/${runs.deployMain}/cancel`);
    expectError(again, 409, 'run_finished');
    expect(again.body.error.details).toEqual({ status: 'cancelled' });
    expectError(await post(`${base}/runs/${runs.other}/cancel`), 404, 'not_found');
    // Nothing of acme/app waits now; the other repository's run is cancelled by an admin.
    const admin = await tokenFor(db.sql, 'admin');
    expect((await call(service, 'POST', `/api/repos/acme/other/runs/${runs.other}/cancel`, { token: admin })).body.status).toBe('cancelled');
  });

  it('a running run is cancelled when its runner, told by its heartbeat, stops it', async () => {
    const id = await dispatched('deploy.py', 'main');
    const task = await claimRun(id);
    const reply = await post(`${base}/runs/${id}/cancel`, {});
    expect(reply.status).toBe(202);
    expect(reply.body).toMatchObject({ status: 'running', cancel_requested: true });
    expect((await runner.heartbeat(task)).cancelled).toBe(true);
    await runner.finish(task, 'cancelled');
    const detail = await get(`${base}/runs/${id}`);
    expect(detail.body).toMatchObject({ status: 'cancelled', started_at: expect.any(String), stopped_at: expect.any(String) });
    expect(detail.body.jobs[0].tasks[0]).toMatchObject({ status: 'cancelled', runner: { name: 'runner-1' }, end_reason: 'runner' });
  });

  it('refuses a body with fields', async () => {
    expectError(await post(`${base}/runs/${runs.lint}/cancel`, { force: true }), 400, 'invalid_request');
  });
});

describe('rerun, logs and timings', () => {
  let rerun: number;

  it('re-runs a finished run as a new run linked to it, with the same commit and workflow source', async () => {
    // main has moved on since (the v2 push); the re-run still runs the original's commit and source.
    const reply = await post(`${base}/runs/${runs.deployMain}/rerun`);
    expect(reply.status).toBe(201);
    expect(reply.body).toEqual({ run_id: expect.any(Number), run_number: expect.any(Number), run_attempt: 2, rerun_of: runs.deployMain, status: 'waiting' });
    expect(reply.headers.location).toBe(`${base}/runs/${reply.body.run_id}`);
    rerun = reply.body.run_id;
    const detail = await get(`${base}/runs/${rerun}`);
    expect(detail.body).toMatchObject({
      commit_sha: repo.shas.main, ref: 'refs/heads/main', event: 'manual', run_attempt: 2, rerun_of: runs.deployMain,
      original_run_id: runs.deployMain, inputs: { replicas: 1 }, status: 'waiting', event_id: null,
    });
    const [content] = await db.sql<{ workflow_content: string }[]>`
      select t.workflow_content from workflow_tasks t join workflow_jobs j on j.id = t.job_id where j.run_id = ${rerun}`;
    expect(content!.workflow_content).toBe(DEPLOY);
  });

  it('refuses to re-run a run that has not finished', async () => {
    const reply = await post(`${base}/runs/${rerun}/rerun`);
    expectError(reply, 409, 'run_not_finished');
    expectError(await post(`${base}/runs/${runs.other}/rerun`), 404, 'not_found');
  });

  it('serves the logs of a finished attempt, in pages, with timings and the runner', async () => {
    const task = await claimRun(rerun);
    expect(task.inputs).toEqual({ replicas: 1, environment: 'staging', dry_run: true });
    let offset = await runner.logs(task, 'setup', ['one', 'two'], 0);
    offset = await runner.logs(task, 'deploy', ['three', 'four', 'five'], offset);
    await runner.finish(task, 'success');
    const all = await get(`${base}/runs/${rerun}/logs`);
    expect(all.status).toBe(200);
    expect(all.body.tasks).toHaveLength(1);
    expect(all.body.tasks[0]).toMatchObject({ task_id: task.id, attempt: 1, status: 'success', log_lines: offset, truncated: false, next_offset: null });
    expect(all.body.tasks[0].lines).toEqual([
      { line: 0, step: 'setup', content: 'one' }, { line: 1, step: 'setup', content: 'two' },
      { line: 2, step: 'deploy', content: 'three' }, { line: 3, step: 'deploy', content: 'four' }, { line: 4, step: 'deploy', content: 'five' },
    ]);
    const page = await get(`${base}/runs/${rerun}/logs?offset=1&limit=2`);
    expect(page.body.tasks[0]).toMatchObject({ next_offset: 3, lines: [{ line: 1 }, { line: 2 }] });
    const last = await get(`${base}/runs/${rerun}/logs?offset=3&limit=2`);
    expect(last.body.tasks[0]).toMatchObject({ next_offset: null, lines: [{ line: 3 }, { line: 4 }] });
    expect((await get(`${base}/runs/${rerun}/logs?attempt=2`)).body.tasks).toEqual([]);
    expectError(await get(`${base}/runs/${rerun}/logs?limit=10001`), 400, 'invalid_request');
    const detail = await get(`${base}/runs/${rerun}`);
    expect(detail.body).toMatchObject({ status: 'success', duration_ms: expect.any(Number) });
    expect(detail.body.jobs[0]).toMatchObject({ status: 'success', duration_ms: expect.any(Number) });
    expect(detail.body.jobs[0].tasks[0]).toMatchObject({ status: 'success', runner: { name: 'runner-1' }, log_lines: 5, duration_ms: expect.any(Number) });
  });

  it('numbers re-runs along the chain of the first run', async () => {
    const second = await post(`${base}/runs/${rerun}/rerun`);
    expect(second.body).toMatchObject({ run_attempt: 3, rerun_of: rerun });
    const third = await post(`${base}/runs/${runs.deployMain}/rerun`);
    expect(third.body).toMatchObject({ run_attempt: 4, rerun_of: runs.deployMain });
    const detail = await get(`${base}/runs/${second.body.run_id}`);
    expect(detail.body.original_run_id).toBe(runs.deployMain);
    const list = await get(`${base}/runs?per_page=2`);
    expect(list.body.runs.map((r: { run_attempt: number }) => r.run_attempt)).toEqual([4, 3]);
  });
});
