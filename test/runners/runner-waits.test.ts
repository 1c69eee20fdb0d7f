// ctx.wait_for through the reference runner, against two replicas of the whole service on one database: the
// runner is connected to one, the events are raised through the other's API; the event reaches the held wait
// through `plue_run_events`. Also a chat reply resuming an agent run, a runner killed during a wait (the next
// attempt receives the event), and a wait that times out (with and without a default).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS } from '../../server/adapters/db/status.js';
import { RunnerClient } from '../../server/runner/client.js';
import { Runner } from '../../server/runner/runner.js';
import type { Service } from '../../server/services/service.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, push, removeTempDirs } from '../git/fixtures.js';
import { call, tokenFor } from '../api/support.js';
import { useTestDatabase } from '../support/db.js';
import { finishedRun, latestTaskLog } from './support.js';
import { startTestService, waitFor } from '../support/service.js';

const WORKFLOWS = `import os
from plue import workflow, manual, chat

@workflow(name="Deploy", on=manual())
async def deploy(ctx):
    print("asking for approval")
    reply = await ctx.wait_for("approval", timeout=600)
    print("approved by", reply["by"])
    second = await ctx.wait_for("approval", timeout=600, filters={"stage": "prod"})
    print("prod approved by", second["by"])

@workflow(name="Impatient", on=manual())
async def impatient(ctx):
    print("got", await ctx.wait_for("nothing", timeout=0.3, default="the default"))
    await ctx.wait_for("nothing", timeout=0.3)

@workflow(name="Agent", on=chat())
async def agent(ctx):
    print("question in", ctx.payload["thread"])
    reply = await ctx.wait_for("chat", timeout=600)
    print("the user said", reply["message"])

@workflow(name="Guarded", on=manual(), runs_on=["doomed"])
async def guarded(ctx):
    print("attempt", os.environ["PLUE_ATTEMPT"], "waits")
    reply = await ctx.wait_for("approval", timeout=600)
    print("attempt", os.environ["PLUE_ATTEMPT"], "approved by", reply["by"])
`;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const REGISTRATION = 'runner-waits-registration';
const ENV = { PLUE_RUNNER_REGISTRATION_TOKEN: REGISTRATION, PLUE_RUNNER_LEASE_SECONDS: '4' };
const db = useTestDatabase();
let raising: Service;
let running: Service;
let runner: Runner;
let apiToken: string;
const base = '/api/repos/acme/app';

beforeAll(async () => {
  const reposDir = await createTempDir('plue-runner-waits-');
  const work = await createWorkRepo(await createBareRepo(path.join(reposDir, 'acme', 'app.git')));
  await commitFiles(work, { '.plue/workflows/deploy.py': WORKFLOWS }, 'deploy');
  await push(work, 'main');
  raising = await startTestService({ databaseUrl: db.url, reposDir, watch: false, env: ENV });
  running = await startTestService({ databaseUrl: db.url, reposDir, watch: false, env: ENV });
  apiToken = await tokenFor(db.sql, 'repo:acme/app');
  const registered = await RunnerClient.register(running.url, REGISTRATION, { name: 'waits', labels: [] });
  runner = new Runner({ client: new RunnerClient(running.url, registered.token), waitSeconds: 5 });
  runner.start();
});
afterAll(async () => {
  await runner?.shutdown(0);
  await running?.close();
  await raising?.close();
  await removeTempDirs();
});

async function dispatch(workflow: string): Promise<number> {
  const reply = await call(raising, 'POST', `${base}/workflows/${workflow}/dispatches`, { token: apiToken, body: { ref: 'main' } });
  expect(reply.status).toBe(201);
  return reply.body.run_id;
}

const finished = (runId: number) => finishedRun(db.sql, runId);
const logOf = (runId: number) => latestTaskLog(db.sql, runId);
const runJson = async (runId: number) => (await call(raising, 'GET', `${base}/runs/${runId}`, { token: apiToken })).body;

describe('ctx.wait_for through the reference runner', () => {
  it('waits for an approval raised on another replica, and goes on with its payload', async () => {
    const runId = await dispatch('Deploy');
    await waitFor(async () => (await runJson(runId)).waiting_for?.name === 'approval', 'the run to wait for approval');
    const first = await call(raising, 'POST', `${base}/runs/${runId}/events`, { token: apiToken, body: { name: 'approval', payload: { by: 'ada', stage: 'staging' } } });
    expect(first.status).toBe(202);
    expect(first.body.delivered_to).toMatchObject({ wait_key: 'approval#1' });
    // The second wait takes only a prod approval: a staging one is kept for nobody, the prod one is delivered.
    await waitFor(async () => (await logOf(runId)).includes('approved by ada'), 'the first approval in the log');
    await waitFor(async () => (await runJson(runId)).waiting_for?.name === 'approval', 'the second wait');
    const staging = await call(raising, 'POST', `${base}/runs/${runId}/events`, { token: apiToken, body: { name: 'approval', payload: { by: 'bob', stage: 'staging' } } });
    expect(staging.body.delivered_to).toBeNull();
    await call(raising, 'POST', `${base}/runs/${runId}/events`, { token: apiToken, body: { name: 'approval', payload: { by: 'cy', stage: 'prod' } } });
    expect(await finished(runId)).toBe(STATUS.success);
    const log = await logOf(runId);
    expect(log).toContain('approved by ada');
    expect(log).toContain('prod approved by cy');
    expect((await runJson(runId)).waiting_for).toBeNull();
  });

  it('resumes an agent run with the next chat message in its thread', async () => {
    const started = await call(raising, 'POST', `${base}/events?wait=true`, { token: apiToken, body: { event: 'chat', payload: { thread: 'ops', message: 'deploy?' } } });
    const runId = started.body.runs[0].run_id as number;
    await waitFor(async () => (await runJson(runId)).waiting_for?.name === 'chat', 'the agent to wait for a reply');
    const reply = await call(raising, 'POST', `${base}/events?wait=true`, { token: apiToken, body: { event: 'chat', payload: { thread: 'ops', message: 'yes, deploy' } } });
    expect(reply.body).toMatchObject({ runs: [], resumed: [{ run_id: runId, delivered_to: 'chat#1' }] });
    expect(await finished(runId)).toBe(STATUS.success);
    expect(await logOf(runId)).toEqual(expect.arrayContaining(['question in ops', 'the user said yes, deploy']));
  });

  it('gives a new attempt the event raised while its killed runner waited', async () => {
    const child = spawn(process.execPath, [
      '--import', 'tsx', path.join(ROOT, 'test', 'runners', 'runner-child.ts'),
      'runner', '--server', running.url, '--registration-token', REGISTRATION, '--name', 'doomed', '--labels', 'doomed',
    ], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    let rescuer: Runner | null = null;
    try {
      const runId = await dispatch('Guarded');
      await waitFor(async () => (await runJson(runId)).waiting_for?.name === 'approval', 'the first attempt to wait').catch((error: Error) => {
        throw new Error(`${error.message}; runner said: ${stderr}`);
      });
      child.kill('SIGKILL');
      await exited;
      // Raised after the runner died, while the wait is still on record: the wait takes it.
      const raised = await call(raising, 'POST', `${base}/runs/${runId}/events`, { token: apiToken, body: { name: 'approval', payload: { by: 'ada' } } });
      expect(raised.body.delivered_to).toMatchObject({ wait_key: 'approval#1' });
      const registered = await RunnerClient.register(running.url, REGISTRATION, { name: 'rescuer', labels: ['doomed'] });
      rescuer = new Runner({ client: new RunnerClient(running.url, registered.token), waitSeconds: 5 });
      rescuer.start();
      expect(await finished(runId)).toBe(STATUS.success);
      const tasks = await db.sql<{ attempt: number; status: number; end_reason: string }[]>`
        select t.attempt, t.status, t.end_reason from workflow_tasks t join workflow_jobs j on j.id = t.job_id where j.run_id = ${runId} order by t.attempt`;
      expect(tasks.map((t) => [t.attempt, t.status, t.end_reason])).toEqual([[1, STATUS.failure, 'lease_expired'], [2, STATUS.success, 'runner']]);
      expect(await logOf(runId)).toEqual(expect.arrayContaining(['attempt 2 waits', 'attempt 2 approved by ada']));
    } finally {
      child.kill('SIGKILL');
      await rescuer?.shutdown(0);
    }
  });

  it('returns the default at the deadline, or raises TimeoutError', async () => {
    const runId = await dispatch('Impatient');
    expect(await finished(runId)).toBe(STATUS.failure);
    const log = await logOf(runId);
    expect(log).toContain('got the default');
    expect(log.some((l) => l.includes('TimeoutError: no `nothing` event within 0.3 s'))).toBe(true);
  });
});
