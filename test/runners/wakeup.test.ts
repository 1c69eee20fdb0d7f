import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../../server/adapters/db/connect.js';
import { STATUS } from '../../server/adapters/db/status.js';
import type { RunnerClient } from '../../server/runner/client.js';
import type { Task } from '../../server/runner/protocol.js';
import { connectTo, useTestDatabase } from '../support/db.js';
import { waitFor } from '../support/service.js';
import { ensureRepository, newRun, queueRun, registerRunner, startRunnerServer } from './support.js';
import type { RunnerServer } from './support.js';
import { createRun } from '../../server/adapters/db/runs.js';

// No fallback polling anywhere in this file: a claim that returns a task was woken by a notification (or by the
// re-scan after a lost LISTEN connection), never by a timer.

const db = useTestDatabase();
let replicaSql: Sql;
let a: RunnerServer;
let b: RunnerServer;
let repo: number;

beforeAll(async () => {
  replicaSql = connectTo(db.url, 5);
  a = await startRunnerServer(db.sql, { pollMs: 0 });
  b = await startRunnerServer(replicaSql, { pollMs: 0 });
  repo = await ensureRepository(db.sql);
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await replicaSql?.end();
});

const waitingOn = (server: RunnerServer, n: number) => waitFor(async () => server.runners.wakeups.waiting === n, `${n} waiting claim(s)`);

async function finishAll(runner: RunnerClient, tasks: Array<Task | null>) {
  for (const task of tasks) if (task) await runner.finish(task, 'success');
}

describe('wake-ups', () => {
  it('wakes a runner waiting on one server for a task created through another', async () => {
    const runner = await registerRunner(a.url, 'on-a');
    const claim = runner.claim(30);
    await waitingOn(a, 1);
    const created = await queueRun(replicaSql, repo); // as the trigger on replica B would
    const task = await claim;
    expect(task?.id).toBe(created.task_id);
    await finishAll(runner, [task]);
  });

  it('wakes only as many waiters as there are tasks, oldest first', async () => {
    const runners = await Promise.all([1, 2, 3].map((i) => registerRunner(b.url, `fair-${i}`)));
    const claims: Array<Promise<Task | null>> = [];
    for (const [i, runner] of runners.entries()) {
      claims.push(runner.claim(30));
      await waitingOn(b, i + 1);
    }
    const one = await queueRun(db.sql, repo);
    expect((await claims[0])?.id).toBe(one.task_id);
    await waitingOn(b, 2); // the two others went back to sleep or never woke
    const two = await Promise.all([queueRun(db.sql, repo), queueRun(db.sql, repo)]);
    const got = await Promise.all(claims.slice(1));
    expect(got.map((t) => t?.id).sort()).toEqual(two.map((c) => c.task_id).sort());
    for (const [i, runner] of runners.entries()) await finishAll(runner, [i === 0 ? await claims[0]! : got[i - 1]!]);
  });

  it('hands a labelled task to the waiter that fits, even when another waits longer', async () => {
    const plain = await registerRunner(a.url, 'plain', ['linux']);
    const gpu = await registerRunner(a.url, 'gpu', ['linux', 'gpu']);
    const giveUp = new AbortController();
    const plainClaim = plain.claim(30, { signal: giveUp.signal }).then((got) => got, (error: Error) => error.name);
    await waitingOn(a, 1);
    const gpuClaim = gpu.claim(30);
    await waitingOn(a, 2);
    const created = await queueRun(replicaSql, repo, { runs_on: ['gpu'] });
    const task = await gpuClaim;
    expect(task?.id).toBe(created.task_id);
    await waitingOn(a, 1); // the plain runner waits on, empty-handed
    giveUp.abort();
    expect(await plainClaim).toBe('AbortError');
    await finishAll(gpu, [task]);
  });

  it('forgets a claim whose client went away, so the next task goes to someone still there', async () => {
    const leaving = await registerRunner(a.url, 'leaving');
    const staying = await registerRunner(a.url, 'staying');
    const controller = new AbortController();
    const abandoned = leaving.claim(30, { signal: controller.signal }).catch((error: Error) => error.name);
    await waitingOn(a, 1);
    const claim = staying.claim(30);
    await waitingOn(a, 2);
    controller.abort();
    expect(await abandoned).toBe('AbortError');
    await waitingOn(a, 1);
    const created = await queueRun(db.sql, repo);
    const task = await claim;
    expect(task?.id).toBe(created.task_id);
    await finishAll(staying, [task]);
  });

  it('claims again after the LISTEN connection is lost (notifications may have been missed)', async () => {
    const runner = await registerRunner(a.url, 'reconnecting');
    const claim = runner.claim(30);
    await waitingOn(a, 1);
    // A task whose notification nobody hears: inserted without NOTIFY.
    const created = await db.sql.begin((tx) => createRun(tx, newRun(repo)));
    const killed = await db.sql<{ pid: number }[]>`
      select pg_terminate_backend(pid) as pid from pg_stat_activity
      where datname = current_database() and query ilike 'listen %' and pid <> pg_backend_pid()`;
    expect(killed.length).toBeGreaterThan(0);
    const task = await claim;
    expect(task?.id).toBe(created.task_id);
    await finishAll(runner, [task]);
    // Both replicas listen again: a new task still wakes a waiter at once.
    const next = runner.claim(30);
    await waitingOn(a, 1);
    const again = await queueRun(replicaSql, repo);
    expect((await next)?.id).toBe(again.task_id);
    await finishAll(runner, [await next]);
  });

  it('answers held claims with 204 when the server stops', async () => {
    const c = await startRunnerServer(db.sql, { pollMs: 0 });
    const runner = await registerRunner(c.url, 'stopping');
    const claim = runner.claim(30);
    await waitingOn(c, 1);
    await c.close();
    expect(await claim).toBeNull();
    const [{ n } = { n: -1 }] = await db.sql<{ n: number }[]>`select count(*)::int as n from workflow_tasks where status = ${STATUS.running}`;
    expect(n).toBe(0);
  });
});
