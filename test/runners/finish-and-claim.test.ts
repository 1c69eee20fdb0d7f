// A final status that also claims the runner's next task (`next`): one request per task instead of two.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS } from '../../server/adapters/db/status.js';
import { useTestDatabase } from '../support/db.js';
import { ensureRepository, queueRun, registerRunner, startRunnerServer, statusOf } from './support.js';
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

const status = (taskId: number, token: string, body: unknown) =>
  fetch(`${server.url}/api/runners/tasks/${taskId}/status`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body),
  });

describe('a final status with `next`', () => {
  it('records the status and answers with the next task of the same runner, then with null', async () => {
    const runner = await registerRunner(server.url, 'next-runner', ['linux']);
    const first = await queueRun(db.sql, repo, { runs_on: ['linux'] });
    const second = await queueRun(db.sql, repo, { runs_on: ['linux'] });
    const task = await runner.claim(0);
    expect(task?.run.id).toBe(first.run_id);
    const response = await status(task!.id, task!.token, { status: 'success', next: { wait_seconds: 0 } });
    expect(response.status).toBe(200);
    const body = await response.json() as { status: string; attempt: number; next: { id: number; token: string; run: { id: number } } | null };
    expect(body).toMatchObject({ id: task!.id, status: 'success', attempt: 1, next: { run: { id: second.run_id } } });
    expect(body.next!.token).not.toBe(task!.token);
    expect(await statusOf(db.sql, 'workflow_runs', first.run_id)).toBe(STATUS.success);
    const [held] = await db.sql<{ runner_id: number; status: number }[]>`select runner_id, status from workflow_tasks where id = ${body.next!.id}`;
    const [mine] = await db.sql<{ id: number }[]>`select id from runners where name = 'next-runner'`;
    expect(held).toEqual({ runner_id: mine!.id, status: STATUS.running });
    // The client's own method; nothing is waiting any more.
    expect(await runner.finishAndClaim({ id: body.next!.id, token: body.next!.token }, 'failure', { waitSeconds: 0 })).toBeNull();
    expect(await statusOf(db.sql, 'workflow_runs', second.run_id)).toBe(STATUS.failure);
  });

  it('answers a retried status (its reply was lost) as the first time, and claims again', async () => {
    const runner = await registerRunner(server.url, 'retrying-runner');
    await queueRun(db.sql, repo);
    const task = await runner.claim(0);
    expect(await runner.finishAndClaim(task!, 'success', { waitSeconds: 0 })).toBeNull();
    const retried = await status(task!.id, task!.token, { status: 'success', next: { wait_seconds: 0 } });
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ id: task!.id, status: 'success', next: null });
  });

  it.each([
    ['with running', { status: 'running', next: { wait_seconds: 0 } }, 400, 'invalid_request'],
    ['with labels the runner lacks', { status: 'success', next: { labels: ['gpu'] } }, 422, 'labels_not_registered'],
    ['with a wait longer than a claim may', { status: 'success', next: { wait_seconds: 3600 } }, 400, 'invalid_request'],
  ])('is refused %s, and the task is still held', async (_name, body, code, error) => {
    const runner = await registerRunner(server.url, `refused-${code}-${error}`, ['linux']);
    await queueRun(db.sql, repo, { runs_on: ['linux'] });
    const task = await runner.claim(0);
    const response = await status(task!.id, task!.token, body);
    expect(response.status).toBe(code);
    expect(await response.json()).toMatchObject({ error: { code: error } });
    expect(await statusOf(db.sql, 'workflow_tasks', task!.id)).toBe(STATUS.running);
    await runner.finish(task!, 'success');
  });
});
