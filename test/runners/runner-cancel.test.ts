// The reference runner stops a cancelled task through the heartbeat it keeps held: the whole process group of the
// workflow (python3, the shell of `ctx.run` and what that started) is gone, the task reports `cancelled`, and all
// that before any periodic heartbeat could have come. The lease is long (heartbeats held 40 s), so the runner
// hears of the cancel only through the held one: the requests that reach the server, in order, show it.
import { EventEmitter, once } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTaskLog } from '../../server/adapters/db/logs.js';
import { STATUS } from '../../server/adapters/db/status.js';
import { RunnerClient } from '../../server/runner/client.js';
import type { Outcome } from '../../server/runner/execute-task.js';
import { Runner } from '../../server/runner/runner.js';
import { requestRunCancel } from '../../server/services/runners/cancel.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, push, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { waitFor } from '../support/service.js';
import { startFlakyProxy } from './flaky-proxy.js';
import type { FlakyProxy } from './flaky-proxy.js';
import { REGISTRATION_TOKEN, ensureRepository, processRunning, queueRun, startRunnerServer, statusOf, tasksOfJob } from './support.js';
import type { RunnerServer } from './support.js';

const WORKFLOW = `from plue import workflow, push


@workflow(name="Sleeper", on=push())
async def sleeper(ctx):
    await ctx.run('sleep 600 & echo "$PPID $$ $!" > "$PLUE_TEST_PID_FILE"; wait')
    ctx.log("slept to the end")
`;

const db = useTestDatabase();
let server: RunnerServer;
let proxy: FlakyProxy;
let runner: Runner;
let repo: number;
let sha: string;
let pidFile: string;
/** What reached the server, in order, and what the test did in between. */
const events: string[] = [];
const taskEnds = new EventEmitter();

beforeAll(async () => {
  pidFile = path.join(await createTempDir('plue-runner-cancel-'), 'pids');
  process.env.PLUE_TEST_PID_FILE = pidFile;
  const bare = await createBareRepo();
  const work = await createWorkRepo(bare);
  sha = await commitFiles(work, { '.plue/workflows/sleeper.py': WORKFLOW }, 'sleeper');
  await push(work, 'main');
  server = await startRunnerServer(db.sql, { leaseSeconds: 120, pollMs: 0 });
  repo = await ensureRepository(db.sql, 'acme', 'sleeper', bare);
  proxy = await startFlakyProxy(server.url);
  proxy.holdBack = ({ path: url, body }) => {
    const call = url.split('/').pop()!;
    if (call !== 'claim') events.push(call === 'status' ? `status ${(JSON.parse(body) as { status: string }).status}` : call);
    return undefined;
  };
  const { token } = await RunnerClient.register(server.url, REGISTRATION_TOKEN, { name: 'cancelled', labels: [] });
  runner = new Runner({
    client: new RunnerClient(proxy.url, token), waitSeconds: 5,
    onTaskEnd: (task, outcome) => taskEnds.emit(`${task.id}`, outcome),
  });
  runner.start();
});
afterAll(async () => {
  delete process.env.PLUE_TEST_PID_FILE;
  await runner?.shutdown(0);
  await proxy?.close();
  await server?.close();
  await removeTempDirs();
});

describe('a cancelled task of the reference runner', () => {
  it('stops its whole process group and reports cancelled, through the heartbeat it holds', async () => {
    const created = await queueRun(db.sql, repo, {
      workflow_name: 'Sleeper', function_name: 'sleeper', workflow_path: '.plue/workflows/sleeper.py', workflow_content: WORKFLOW, commit_sha: sha,
    });
    const ended = once(taskEnds, `${created.task_id}`) as Promise<[Outcome]>;
    const pids = await waitFor(async () => {
      const text = await readFile(pidFile, 'utf8').catch(() => '');
      return /^\d+ \d+ \d+\n$/.test(text) ? text.trim().split(' ').map(Number) : null;
    }, 'the workflow to start its sleep');
    expect(pids.every(processRunning)).toBe(true); // python3, the shell, the sleep
    events.push('cancel asked');
    expect(await requestRunCancel(db.sql, created.run_id)).toEqual({ outcome: 'requested' });

    expect((await ended)[0]).toBe('cancelled');
    await waitFor(async () => !pids.some(processRunning), 'the process group to be gone');
    expect(await statusOf(db.sql, 'workflow_runs', created.run_id)).toBe(STATUS.cancelled);
    expect((await tasksOfJob(db.sql, created.job_id)).map((t) => [t.status, t.end_reason])).toEqual([[STATUS.cancelled, 'runner']]);
    const log = (await readTaskLog(db.sql, created.task_id)).map((l) => l.content);
    expect(log).toEqual(expect.arrayContaining(['[plue] the run was cancelled', '[plue] cancelled']));
    expect(log).not.toContain('slept to the end');
    // One heartbeat, sent before the cancel and held by the server, carried it: none reached the server between
    // the cancel and the final status.
    const asked = events.indexOf('cancel asked');
    expect(events.slice(0, asked).filter((e) => e === 'heartbeat')).toEqual(['heartbeat']);
    expect(events.slice(asked + 1, events.indexOf('status cancelled') + 1).filter((e) => e !== 'logs')).toEqual(['status cancelled']);
  });
});
