import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS } from '../../server/adapters/db/status.js';
import { readTaskLog } from '../../server/adapters/db/logs.js';
import { ApiError } from '../../server/http-client/json-client.js';
import { LeaseLostError } from '../../server/runner/client.js';
import type { RunnerClient } from '../../server/runner/client.js';
import { requestRunCancel } from '../../server/services/runners/cancel.js';
import { useTestDatabase } from '../support/db.js';
import { REGISTRATION_TOKEN, SHA, ensureRepository, queueRun, registerRunner, startRunnerServer, statusOf } from './support.js';
import type { RunnerServer } from './support.js';

const db = useTestDatabase();
let server: RunnerServer;
let repo: number;
let runner: RunnerClient;

beforeAll(async () => {
  server = await startRunnerServer(db.sql, { pollMs: 0, logLimits: { maxTaskLines: 20 } });
  repo = await ensureRepository(db.sql);
  runner = await registerRunner(server.url, 'protocol-runner', ['linux']);
});
afterAll(async () => {
  await server?.close();
});

const post = (path: string, token: string | null, body: unknown) =>
  fetch(server.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });

describe('registration', () => {
  it('gives a new runner a token once, stored only as a hash', async () => {
    const response = await post('/api/runners/register', REGISTRATION_TOKEN, { name: 'r1', labels: ['linux', 'x64', 'linux'], version: '1.0' });
    expect(response.status).toBe(201);
    const body = await response.json() as { runner: { id: number; name: string; labels: string[] }; token: string };
    expect(body.runner).toEqual({ id: expect.any(Number), name: 'r1', labels: ['linux', 'x64'] });
    expect(body.token).toMatch(/^plr_[A-Za-z0-9_-]{40,}$/);
    const [row] = await db.sql<{ token_hash: string }[]>`select token_hash from runners where id = ${body.runner.id}`;
    expect(row!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row!.token_hash).not.toContain(body.token);
  });

  it.each([
    ['no token', null, { name: 'x' }, 401],
    ['a wrong token', 'nope', { name: 'x' }, 401],
    ['no name', REGISTRATION_TOKEN, { labels: [] }, 400],
    ['an empty label', REGISTRATION_TOKEN, { name: 'x', labels: [''] }, 400],
  ])('refuses %s', async (_name, token, body, status) => {
    const response = await post('/api/runners/register', token, body);
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
  });
});

describe('claim', () => {
  it('refuses an unknown runner token', async () => {
    expect((await post('/api/runners/tasks/claim', 'plr_unknown', { wait_seconds: 0 })).status).toBe(401);
  });

  it('answers 204 when nothing is waiting', async () => {
    expect(await runner.claim(0)).toBeNull();
  });

  it('refuses a wait over 60 seconds and labels the runner did not register', async () => {
    const tooLong = await post('/api/runners/tasks/claim', null, { wait_seconds: 61 });
    expect(tooLong.status).toBe(400);
    await expect(runner.claim(0, { labels: ['gpu'] })).rejects.toMatchObject({ status: 422, code: 'labels_not_registered' });
  });

  it('hands out everything needed to run the task, and marks task, job and run running', async () => {
    const created = await queueRun(db.sql, repo, { trigger_event: 'manual', event_payload: { ref: 'refs/heads/main', inputs: { target: 'staging' } } });
    const task = await runner.claim(0);
    expect(task).toMatchObject({
      id: created.task_id, attempt: 1, token: expect.stringMatching(/^plt_/), lease_seconds: 60,
      repository: { id: repo, owner: 'acme', name: 'app' }, run: { id: created.run_id, number: created.run_number },
      job: { id: created.job_id, name: 'CI' }, ref: 'refs/heads/main', sha: SHA,
      workflow: { name: 'CI', path: '.plue/workflows/ci.py', function: 'ci', source: expect.stringContaining('@workflow') },
      event: { name: 'manual', payload: { ref: 'refs/heads/main', inputs: { target: 'staging' } } },
      inputs: { target: 'staging' }, archive_url: `/api/runners/tasks/${created.task_id}/archive`,
    });
    expect(new Date(task!.lease_expires_at).getTime()).toBeGreaterThan(Date.now());
    expect(await statusOf(db.sql, 'workflow_tasks', created.task_id)).toBe(STATUS.running);
    expect(await statusOf(db.sql, 'workflow_jobs', created.job_id)).toBe(STATUS.running);
    expect(await statusOf(db.sql, 'workflow_runs', created.run_id)).toBe(STATUS.running);
    await runner.finish(task!, 'success');
  });
});

describe('a held task', () => {
  it('heartbeats, streams ordered logs idempotently by offset, and finishes into job and run', async () => {
    const created = await queueRun(db.sql, repo);
    const task = (await runner.claim(0))!;
    const beat = await runner.heartbeat(task);
    expect(beat).toEqual({ lease_expires_at: expect.any(String), cancelled: false });
    await runner.running(task, new Date());

    expect(await runner.logs(task, 'build', ['one', 'two'], 0)).toBe(2);
    expect(await runner.logs(task, 'build', ['one', 'two'], 0)).toBe(2); // a retry stores nothing twice
    expect(await runner.logs(task, 'build', ['two', 'three'], 1)).toBe(3); // overlapping retry
    expect(await runner.logs(task, 'test', ['ok\r', 'nul\0byte'], 3)).toBe(5);
    await expect(runner.logs(task, 'test', ['hole'], 9)).rejects.toMatchObject({ status: 422, code: 'log_offset_gap', details: { next_offset: 5 } });
    expect(await readTaskLog(db.sql, task.id)).toEqual([
      { line_no: 0, step: 'build', content: 'one' },
      { line_no: 1, step: 'build', content: 'two' },
      { line_no: 2, step: 'build', content: 'three' },
      { line_no: 3, step: 'test', content: 'ok' },
      { line_no: 4, step: 'test', content: 'nulbyte' },
    ]);

    const started = new Date(Date.now() - 1000);
    await runner.finish(task, 'failure', { started_at: started, stopped_at: new Date() });
    await runner.finish(task, 'failure'); // the same verdict again is fine (a retried request)
    await expect(runner.finish(task, 'success')).rejects.toBeInstanceOf(LeaseLostError);
    await expect(runner.heartbeat(task)).rejects.toMatchObject({ status: 409, code: 'lease_lost', details: { status: 'failure', attempt: 1, ended_by: 'runner' } });
    await expect(runner.logs(task, 'x', ['late'], 5)).rejects.toBeInstanceOf(LeaseLostError);

    const [run] = await db.sql<{ status: number; started_at: Date; stopped_at: Date }[]>`
      select status, started_at, stopped_at from workflow_runs where id = ${created.run_id}`;
    expect(run!.status).toBe(STATUS.failure);
    expect(run!.stopped_at.getTime()).toBeGreaterThanOrEqual(run!.started_at.getTime());
    expect(await statusOf(db.sql, 'workflow_jobs', created.job_id)).toBe(STATUS.failure);
  });

  it('cuts a task log at its limit with one marker line, and keeps counting offsets', async () => {
    await queueRun(db.sql, repo);
    const task = (await runner.claim(0))!;
    const lines = Array.from({ length: 25 }, (_, i) => `line ${i}`);
    expect(await runner.logs(task, '', lines, 0)).toBe(25);
    expect(await runner.logs(task, '', ['more'], 25)).toBe(26);
    const stored = await readTaskLog(db.sql, task.id);
    expect(stored).toHaveLength(20);
    expect(stored.at(-1)!.content).toMatch(/log truncated/);
    await runner.finish(task, 'success');
  });

  it('refuses calls with another task token (401) or none', async () => {
    await queueRun(db.sql, repo);
    const task = (await runner.claim(0))!;
    await expect(runner.heartbeat({ id: task.id, token: 'plt_forged' })).rejects.toMatchObject({ status: 401 });
    expect((await post(`/api/runners/tasks/${task.id}/heartbeat`, null, {})).status).toBe(401);
    await runner.finish(task, 'success');
  });

  it('tells the runner through its heartbeat that the run was cancelled', async () => {
    const created = await queueRun(db.sql, repo);
    const task = (await runner.claim(0))!;
    expect(await requestRunCancel(db.sql, created.run_id)).toEqual({ outcome: 'requested' });
    expect((await runner.heartbeat(task)).cancelled).toBe(true);
    await runner.finish(task, 'cancelled');
    expect(await statusOf(db.sql, 'workflow_runs', created.run_id)).toBe(STATUS.cancelled);
  });

  it('cancels a waiting task of a cancelled run at once', async () => {
    const created = await queueRun(db.sql, repo);
    await requestRunCancel(db.sql, created.run_id);
    expect(await statusOf(db.sql, 'workflow_tasks', created.task_id)).toBe(STATUS.cancelled);
    expect(await statusOf(db.sql, 'workflow_runs', created.run_id)).toBe(STATUS.cancelled);
    expect(await runner.claim(0)).toBeNull();
  });

  it('can be given back: the same attempt waits again, without its logs, and the old token is void', async () => {
    const created = await queueRun(db.sql, repo);
    const task = (await runner.claim(0))!;
    await runner.logs(task, '', ['partial'], 0);
    await runner.release(task);
    expect(await statusOf(db.sql, 'workflow_runs', created.run_id)).toBe(STATUS.waiting);
    expect(await readTaskLog(db.sql, task.id)).toEqual([]);
    await expect(runner.heartbeat(task)).rejects.toMatchObject({ status: 401 });
    const again = (await runner.claim(0))!;
    expect({ id: again.id, attempt: again.attempt }).toEqual({ id: task.id, attempt: 1 });
    expect(again.token).not.toBe(task.token);
    await runner.finish(again, 'success');
  });
});

describe('a task given back while its run is being cancelled', () => {
  it('is cancelled rather than queued again', async () => {
    const created = await queueRun(db.sql, repo);
    const task = (await runner.claim(0))!;
    await requestRunCancel(db.sql, created.run_id);
    await runner.release(task);
    expect(await statusOf(db.sql, 'workflow_tasks', created.task_id)).toBe(STATUS.cancelled);
    expect(await statusOf(db.sql, 'workflow_runs', created.run_id)).toBe(STATUS.cancelled);
    expect(await runner.claim(0)).toBeNull();
  });
});

describe('errors', () => {
  it('uses the common error format for a bad task id', async () => {
    const response = await post('/api/runners/tasks/abc/heartbeat', 'plt_x', {});
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
  });

  it('is an ApiError in the client', async () => {
    await expect(runner.heartbeat({ id: 999999, token: 'plt_x' })).rejects.toBeInstanceOf(ApiError);
  });
});

describe('archive', () => {
  it('answers 410 when the repository is gone from disk, without saying where it was', async () => {
    await queueRun(db.sql, repo);
    const task = (await runner.claim(0))!;
    const response = await fetch(`${server.url}/api/runners/tasks/${task.id}/archive`, { headers: { authorization: `Bearer ${task.token}` } });
    expect(response.status).toBe(410);
    const body = await response.text();
    expect(JSON.parse(body)).toMatchObject({ error: { code: 'source_unavailable', message: 'the repository is no longer on disk' } });
    expect(body).not.toContain('/srv/git');
  });
});
