// The reference runner never works on a task it may have lost: every request has a time limit, a local deadline
// stops the task when no heartbeat got through for the lease, heartbeats go on until the final status is in, and
// a process the workflow leaves behind holding its output does not keep the task running.
import { EventEmitter, once } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readTaskLog } from '../../server/adapters/db/logs.js';
import { STATUS } from '../../server/adapters/db/status.js';
import { HttpTimeoutError } from '../../server/http-client/request.js';
import { RunnerClient } from '../../server/runner/client.js';
import type { Outcome } from '../../server/runner/execute-task.js';
import { Runner } from '../../server/runner/runner.js';
import { requestRunCancel } from '../../server/services/runners/cancel.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, push, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { waitFor } from '../support/service.js';
import { startFlakyProxy } from './flaky-proxy.js';
import type { FlakyProxy, ProxiedRequest } from './flaky-proxy.js';
import { REGISTRATION_TOKEN, ensureRepository, processRunning, queueRun, startRunnerServer, tasksOfJob } from './support.js';
import type { RunnerServer } from './support.js';

const WORKFLOWS = `import asyncio
import os
import subprocess
from plue import workflow, push


@workflow(name="Hold", on=push())
async def hold(ctx):
    with open(os.environ["PLUE_TEST_PID_FILE"], "w") as f:
        f.write(str(os.getpid()))
    ctx.log("holding")
    for _ in range(300):
        await asyncio.sleep(0.1)
    ctx.log("held to the end")


@workflow(name="Quick", on=push())
async def quick(ctx):
    ctx.log("done quickly")


@workflow(name="Daemon", on=push())
async def daemon(ctx):
    # Inherits python's stdout and stderr, and keeps them open after python exits.
    child = subprocess.Popen(["sleep", "300"])
    with open(os.environ["PLUE_TEST_PID_FILE"], "w") as f:
        f.write(str(child.pid))
    print("left a process running")


@workflow(name="Background", on=push())
async def background(ctx):
    result = await ctx.run("sleep 300 & echo started")
    print("command returned", result.returncode)
`;

/**
 * Long enough that a loaded machine gets a heartbeat through in time (every 1.3 s; the runner gives up after 3 s).
 * Not a multiple of 3 on purpose: a third of it is not a whole number of milliseconds.
 */
const LEASE_SECONDS = 4;
/**
 * Heartbeats go one at a time, a third of the lease apart. The first one to reach the proxy after a request was
 * sent after the server had renewed the lease for the last time before that request; the fourth, a whole lease
 * later. One more for the timers' rounding: past this many heartbeats, the lease the request was sent under is over.
 */
const HEARTBEATS_PAST_THE_LEASE = 5;

const db = useTestDatabase();
let server: RunnerServer;
let proxy: FlakyProxy;
let scratch: string;
let repo: number;
let sha: string;
let runner: Runner | null = null;
/** What became of each task, as the runner reports it. */
const ended = new Map<number, Outcome>();
const taskEnds = new EventEmitter();
/** The last task of each job the runner ended: a claim reply lost on its way is the job's next attempt. */
const jobEnded = new Map<number, { taskId: number; attempt: number; outcome: Outcome }>();
const runnerLog: Array<{ at: number; message: string }> = [];

beforeAll(async () => {
  scratch = await createTempDir('plue-runner-lease-');
  const bare = await createBareRepo();
  const work = await createWorkRepo(bare);
  sha = await commitFiles(work, { '.plue/workflows/checks.py': WORKFLOWS }, 'checks');
  await push(work, 'main');
  server = await startRunnerServer(db.sql, { leaseSeconds: LEASE_SECONDS, sweepMs: 200, pollMs: 0 });
  repo = await ensureRepository(db.sql, 'acme', 'lease', bare);
  process.env.PLUE_TEST_PID_FILE = path.join(scratch, 'pid');
});
afterEach(async () => {
  await runner?.shutdown(0);
  runner = null;
  if (proxy) await proxy.close();
  // A task whose lease a loaded machine let run out is queued again: it must not take the next test's runner.
  for (const { id } of await db.sql<{ id: number }[]>`select id from workflow_runs where status in (5, 6, 7)`) {
    await requestRunCancel(db.sql, id);
  }
});
afterAll(async () => {
  delete process.env.PLUE_TEST_PID_FILE;
  await server?.close();
  await removeTempDirs();
});

/** A runner whose every request goes through a fresh proxy. */
async function startRunner(): Promise<void> {
  proxy = await startFlakyProxy(server.url);
  const { token } = await RunnerClient.register(server.url, REGISTRATION_TOKEN, { name: 'leased', labels: [] });
  runner = new Runner({
    client: new RunnerClient(proxy.url, token), waitSeconds: 1,
    log: (message) => runnerLog.push({ at: Date.now(), message }),
    onTaskEnd: (task, outcome) => {
      ended.set(task.id, outcome);
      taskEnds.emit(`${task.id}`, outcome);
      jobEnded.set(task.job.id, { taskId: task.id, attempt: task.attempt, outcome });
      taskEnds.emit(`job ${task.job.id}`);
    },
  });
  runner.start();
}

const queue = (fn: string) => queueRun(db.sql, repo, {
  workflow_name: fn, function_name: fn, workflow_path: '.plue/workflows/checks.py', workflow_content: WORKFLOWS, commit_sha: sha,
});

const logOf = async (taskId: number) => (await readTaskLog(db.sql, taskId)).map((l) => l.content);
const outcomeOf = async (taskId: number): Promise<Outcome> => ended.get(taskId) ?? (await once(taskEnds, `${taskId}`))[0];
/** The outcome, with the task's log to say why when it is not the expected one. */
const endOf = async (taskId: number) => ({ outcome: await outcomeOf(taskId), log: await logOf(taskId) });
/**
 * The outcome and log of the job's first attempt that the runner ended. A claim reply that never reached the
 * runner (its long poll cut while a loaded server answered) leaves the first attempt to its lease; the sweep
 * queues the next attempt, which is the one to look at then.
 */
const endOfJob = async (jobId: number) => {
  if (!jobEnded.has(jobId)) await once(taskEnds, `job ${jobId}`);
  const { taskId, attempt, outcome } = jobEnded.get(jobId)!;
  if (attempt > 1) console.warn(`job ${jobId}: attempt ${attempt} ran (a claim reply was lost); tasks:`, await tasksOfJob(db.sql, jobId));
  return { outcome, log: await logOf(taskId) };
};
const isHeartbeat = (request: ProxiedRequest) => request.path.endsWith('/heartbeat');
const pidOf = async () => Number(await readFile(process.env.PLUE_TEST_PID_FILE!, 'utf8'));

describe('requests to a server that never answers', () => {
  it.each<[string, (client: RunnerClient) => Promise<unknown>]>([
    ['claim', (c) => c.claim(0)],
    ['heartbeat', (c) => c.heartbeat({ id: 1, token: 'plt_x' })],
    ['running', (c) => c.running({ id: 1, token: 'plt_x' }, new Date())],
    ['final status', (c) => c.finish({ id: 1, token: 'plt_x' }, 'success')],
    ['logs', (c) => c.logs({ id: 1, token: 'plt_x' }, '', ['a'], 0)],
    ['release', (c) => c.release({ id: 1, token: 'plt_x' })],
    ['archive', (c) => c.archive({ id: 1, token: 'plt_x', archive_url: '/api/runners/tasks/1/archive' })],
  ])('%s fails after the time limit', async (_name, call) => {
    proxy = await startFlakyProxy(server.url);
    proxy.silent = true;
    const failure = call(new RunnerClient(proxy.url, 'plr_x', { timeoutMs: 300 }));
    await expect(failure).rejects.toBeInstanceOf(HttpTimeoutError);
    await expect(failure).rejects.toThrow(/(within|for) 300 ms/); // this call's limit, not the default one
  });
});

describe('the reference runner', () => {
  it('stops a task as lost when no heartbeat gets through for the lease, though no reply said so', async () => {
    await startRunner();
    const created = await queue('hold');
    await waitFor(async () => (await logOf(created.task_id)).includes('holding'), 'the task to start');
    const pid = await pidOf();
    proxy.silent = true;
    expect(await outcomeOf(created.task_id)).toBe('lost');
    const gaveUp = runnerLog.find((l) => l.message.includes(`task ${created.task_id}: lease lost: no heartbeat got through`));
    expect(gaveUp).toBeDefined();
    // It gave up before the server's lease ran out: before the task could go to another runner.
    const [{ lease_expires_at: leaseEnd } = { lease_expires_at: new Date(0) }] =
      await db.sql<{ lease_expires_at: Date }[]>`select lease_expires_at from workflow_tasks where id = ${created.task_id}`;
    expect(gaveUp!.at).toBeLessThan(leaseEnd.getTime());
    await waitFor(async () => !processRunning(pid), 'the workflow process to be stopped');
    await requestRunCancel(db.sql, created.run_id); // no next attempt for the next test's runner
  });

  it('keeps the lease while the final status is slow to arrive', async () => {
    await startRunner();
    // The final status reaches the server only after the lease it was sent under is over.
    proxy.holdBack = ({ path: url, body }) =>
      (url.endsWith('/status') && body.includes('"success"') ? proxy.arrivals(isHeartbeat, HEARTBEATS_PAST_THE_LEASE) : undefined);
    const created = await queue('quick');
    expect(await endOf(created.task_id)).toMatchObject({ outcome: 'success' });
    expect((await tasksOfJob(db.sql, created.job_id)).map((t) => [t.attempt, t.status, t.end_reason])).toEqual([[1, STATUS.success, 'runner']]);
  });

  it('does not wait for a process the workflow left holding its output', async () => {
    await startRunner();
    const created = await queue('daemon');
    const end = await endOfJob(created.job_id);
    expect(end).toMatchObject({ outcome: 'success' });
    expect(end.log).toEqual(expect.arrayContaining([
      'left a process running',
      '[plue] python3 exited but its output stays open (a process it left running?); not waiting for it',
      '[plue] success',
    ]));
    const pid = await pidOf();
    await waitFor(async () => !processRunning(pid), 'the left process to be stopped');
  });

  it('does not wait in ctx.run for a background process that holds the command\'s output', async () => {
    await startRunner();
    const created = await queue('background');
    const end = await endOfJob(created.job_id);
    expect(end).toMatchObject({ outcome: 'success' });
    expect(end.log).toEqual(expect.arrayContaining([
      'started',
      '[plue] the command exited but its output stays open (a process it left running?); not waiting for it',
      'command returned 0',
    ]));
  });
});
