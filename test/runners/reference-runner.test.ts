import { spawn } from 'node:child_process';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTaskLog } from '../../server/adapters/db/logs.js';
import { STATUS } from '../../server/adapters/db/status.js';
import type { RunnerClient } from '../../server/runner/client.js';
import { Runner } from '../../server/runner/runner.js';
import { requestRunCancel } from '../../server/services/runners/cancel.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, push, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { waitFor } from '../support/service.js';
import { ensureRepository, finishedRun as finishedRunOf, queueRun, registerRunner, startRunnerServer, tasksOfJob } from './support.js';
import type { RunnerServer } from './support.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// Extra workflows next to the demo repository's own (test-repo/), to see failures, context and long tasks.
const CHECKS = `import asyncio
import os
from plue import workflow, push, manual


async def boom(ctx):
    raise ValueError("boom")


@workflow(name="Broken", on=push())
async def broken(ctx):
    print("about to fail")
    await ctx.step(boom)


@workflow(name="Failing command", on=push())
async def failing_command(ctx):
    await ctx.run("echo nope && exit 3")


@workflow(name="Context", on=manual())
async def context(ctx):
    print("ref", ctx.ref, "event", ctx.event, "attempt", ctx.attempt, "repository", ctx.repository)
    print("inputs", ctx.inputs)
    print("sha", ctx.sha == os.environ["PLUE_SHA"], "token hidden", "PLUE_RUNNER_TOKEN" not in os.environ)
    with open(os.environ["PLUE_TASK_FILE"]) as f:
        visible = f.read()
    print("run", ctx.run_id == int(os.environ["PLUE_RUN_ID"]), "workflow", ctx.workflow, os.environ["PLUE_WORKFLOW"],
          "task file without token", '"token"' not in visible and ctx.sha in visible)
    result = await ctx.run("cat src/greet.py | head -1")
    print("captured", result.output)
    checkout = await ctx.run("git rev-parse HEAD; git branch --show-current; git log --format=%s; git status --porcelain | wc -l")
    print("checkout", checkout.output.replace("\\n", " "))


@workflow(name="Hold", on=manual())
async def hold(ctx):
    # Runs while the file named by the input exists (at most 30 s), so a test can act on a running task.
    ctx.log("holding", ctx.attempt)
    for _ in range(300):
        if not os.path.exists(ctx.inputs["hold"]):
            break
        await asyncio.sleep(0.1)
    ctx.log("released", ctx.attempt)
`;

const db = useTestDatabase();
let server: RunnerServer;
let repo: number;
let sha: string;
let files: Map<string, string>;
let runnerClient: RunnerClient;
let runner: Runner;
let scratch: string;
const runnerLog: string[] = [];

beforeAll(async () => {
  scratch = await createTempDir('plue-runner-test-');
  const bare = await createBareRepo();
  const work = await createWorkRepo(bare);
  await cp(path.join(ROOT, 'test-repo'), work, { recursive: true });
  sha = await commitFiles(work, { '.plue/workflows/checks.py': CHECKS }, 'demo');
  await push(work, 'main');
  files = new Map();
  for (const file of ['ci.py', 'deploy.py', 'checks.py']) {
    files.set(file, await readFile(path.join(work, '.plue', 'workflows', file), 'utf8'));
  }
  server = await startRunnerServer(db.sql, { leaseSeconds: 2, sweepMs: 200, pollMs: 0 });
  repo = await ensureRepository(db.sql, 'demo', 'test-repo', bare);
  runnerClient = await registerRunner(server.url, 'reference');
  runner = new Runner({ client: runnerClient, concurrency: 2, waitSeconds: 5, log: (m) => runnerLog.push(m) });
  runner.start();
});

afterAll(async () => {
  await runner?.shutdown(0);
  await server?.close();
  await removeTempDirs();
});

function queue(file: string, fn: string, inputs: Record<string, unknown> = {}) {
  return queueRun(db.sql, repo, {
    workflow_name: fn, workflow_path: `.plue/workflows/${file}`, function_name: fn, workflow_content: files.get(file)!,
    commit_sha: sha, trigger_event: Object.keys(inputs).length > 0 ? 'manual' : 'push',
    event_payload: { ref: 'refs/heads/main', inputs },
  });
}

const finishedRun = (runId: number) => finishedRunOf(db.sql, runId);

async function logOf(taskId: number): Promise<string[]> {
  return (await readTaskLog(db.sql, taskId)).map((l) => (l.step ? `${l.step}| ${l.content}` : l.content));
}

const logged = (taskId: number, text: string) =>
  waitFor(async () => (await logOf(taskId)).some((l) => l.includes(text)), `"${text}" in the log of task ${taskId}`);

describe('the reference runner', () => {
  it('runs the demo CI workflow green: checkout at the commit, steps, unittest output in the logs', async () => {
    const created = await queue('ci.py', 'ci');
    expect(await finishedRun(created.run_id)).toBe(STATUS.success);
    const log = await logOf(created.task_id);
    expect(log).toEqual(expect.arrayContaining([
      'checkout| [plue] step checkout',
      expect.stringMatching(/^checkout\| git version /),
      "run_tests| $ python3 -m unittest discover -s src -p 'test_*.py'",
      'run_tests| OK',
      '[plue] success',
    ]));
    const [task] = await db.sql<{ started_at: Date; stopped_at: Date }[]>`select started_at, stopped_at from workflow_tasks where id = ${created.task_id}`;
    expect(task!.stopped_at.getTime()).toBeGreaterThanOrEqual(task!.started_at.getTime());
  });

  it('runs the demo deploy workflow with its inputs', async () => {
    const created = await queue('deploy.py', 'deploy', { environment: 'staging' });
    expect(await finishedRun(created.run_id)).toBe(STATUS.success);
    expect(await logOf(created.task_id)).toContain(`deploying ${sha} to staging`);
  });

  it('reports a Python exception as failure, with the traceback of the workflow\'s own code only', async () => {
    const created = await queue('checks.py', 'broken');
    expect(await finishedRun(created.run_id)).toBe(STATUS.failure);
    const log = await logOf(created.task_id);
    const step = log.filter((l) => l.startsWith('boom| '));
    expect(step).toEqual([
      'boom| [plue] step boom',
      'boom| Traceback (most recent call last):',
      'boom|   File ".plue/workflows/checks.py", line 7, in boom',
      'boom|     raise ValueError("boom")',
      'boom| ValueError: boom',
      expect.stringMatching(/^boom\| \[plue\] step boom failed after/),
    ]);
    expect(log.join('\n')).not.toMatch(/plue_runner|asyncio|plue\/__init__/);
    expect(log.at(-1)).toBe('[plue] failure');
  });

  it('reports a failing command as failure in one line, saying where the workflow ran it', async () => {
    const created = await queue('checks.py', 'failing_command');
    expect(await finishedRun(created.run_id)).toBe(STATUS.failure);
    const log = await logOf(created.task_id);
    expect(log.filter((l) => !l.startsWith('[plue] '))).toEqual([
      '$ echo nope && exit 3',
      'nope',
      'command exited with status 3: echo nope && exit 3 (at .plue/workflows/checks.py:18)',
    ]);
    expect(log.at(-1)).toBe('[plue] failure');
  });

  it('gives the workflow its context, never the runner token', async () => {
    const created = await queue('checks.py', 'context', { who: 'plue' });
    expect(await finishedRun(created.run_id)).toBe(STATUS.success);
    expect(await logOf(created.task_id)).toEqual(expect.arrayContaining([
      'ref refs/heads/main event manual attempt 1 repository demo/test-repo',
      "inputs {'who': 'plue'}",
      'sha True token hidden True',
      'run True workflow context context task file without token True',
      'captured def greet(name):',
      // A shallow checkout of the commit, on its branch, clean: the workflow's own git commands work.
      `checkout ${sha} main demo 0`,
    ]));
  });

  it('stops a task whose run is cancelled and reports it cancelled', async () => {
    const holdFile = path.join(scratch, 'cancel-hold');
    await writeFile(holdFile, '');
    const created = await queue('checks.py', 'hold', { hold: holdFile });
    await logged(created.task_id, 'holding 1');
    await requestRunCancel(db.sql, created.run_id);
    expect(await finishedRun(created.run_id)).toBe(STATUS.cancelled);
    expect(await logOf(created.task_id)).toContain('[plue] the run was cancelled');
    expect(await logOf(created.task_id)).not.toContain('released 1');
  });
});

describe('stopping runners', () => {
  it('on shutdown finishes what it runs within the grace period', async () => {
    const other = new Runner({ client: runnerClient, waitSeconds: 5 });
    const holdFile = path.join(scratch, 'finish-hold');
    await writeFile(holdFile, '');
    await runner.shutdown(0); // the shared runner steps aside for these tests
    other.start();
    const created = await queue('checks.py', 'hold', { hold: holdFile });
    await logged(created.task_id, 'holding 1');
    const stopped = other.shutdown(20_000);
    await rm(holdFile);
    await stopped;
    expect(await finishedRun(created.run_id)).toBe(STATUS.success);
  });

  it('on shutdown gives back what it cannot finish in time; another runner then runs it', async () => {
    const leaving = new Runner({ client: runnerClient, waitSeconds: 5 });
    const holdFile = path.join(scratch, 'release-hold');
    await writeFile(holdFile, '');
    leaving.start();
    const created = await queue('checks.py', 'hold', { hold: holdFile });
    await logged(created.task_id, 'holding 1');
    await leaving.shutdown(100);
    const [task] = await tasksOfJob(db.sql, created.job_id);
    expect(task).toMatchObject({ attempt: 1, status: STATUS.waiting, runner_id: null });

    await rm(holdFile);
    const next = new Runner({ client: await registerRunner(server.url, 'next'), waitSeconds: 5 });
    next.start();
    try {
      expect(await finishedRun(created.run_id)).toBe(STATUS.success);
      expect((await tasksOfJob(db.sql, created.job_id)).map((t) => [t.attempt, t.status])).toEqual([[1, STATUS.success]]);
    } finally {
      await next.shutdown(0);
    }
  });

  it('retries the task of a killed runner on another runner once its lease runs out', async () => {
    const holdFile = path.join(scratch, 'kill-hold');
    await writeFile(holdFile, '');
    const token = (await import('./support.js')).REGISTRATION_TOKEN;
    const child = spawn(process.execPath, [
      '--import', 'tsx', path.join(ROOT, 'test', 'runners', 'runner-child.ts'),
      'runner', '--server', server.url, '--registration-token', token, '--name', 'doomed',
    ], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      const created = await queue('checks.py', 'hold', { hold: holdFile });
      // The attempt the doomed runner holds: the first, unless a loaded machine let an earlier one's lease run out
      // (a claim reply lost on its way to a runner that had just left, or a heartbeat too late).
      await waitFor(async () => {
        for (const attempt of await tasksOfJob(db.sql, created.job_id)) {
          if ((await logOf(attempt.id)).some((l) => l.startsWith('holding'))) return true;
        }
        return false;
      }, 'an attempt to hold').catch((error: Error) => {
        throw new Error(`${error.message}; runner said: ${stderr}`);
      });
      child.kill('SIGKILL');
      await exited;

      await rm(holdFile);
      const rescuer = new Runner({ client: await registerRunner(server.url, 'rescuer'), waitSeconds: 5 });
      rescuer.start();
      try {
        expect(await finishedRun(created.run_id)).toBe(STATUS.success);
      } finally {
        await rescuer.shutdown(0);
      }
      // Every attempt before the last lost its lease; the last, another runner's, succeeded.
      const attempts = await tasksOfJob(db.sql, created.job_id);
      const last = attempts.at(-1)!;
      expect(attempts.length).toBeGreaterThanOrEqual(2);
      expect(attempts.slice(0, -1).map((t) => [t.status, t.end_reason])).toEqual(attempts.slice(0, -1).map(() => [STATUS.failure, 'lease_expired']));
      expect([last.status, last.end_reason]).toEqual([STATUS.success, 'runner']);
      expect(await logOf(last.id)).toContain(`released ${last.attempt}`);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
