import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTaskLog } from '../../server/adapters/db/logs.js';
import { STATUS } from '../../server/adapters/db/status.js';
import { RUNS_CHANNEL } from '../../server/adapters/db/rollup.js';
import { LeaseLostError } from '../../server/runner/client.js';
import type { RunnerClient } from '../../server/runner/client.js';
import { LeaseSweeper } from '../../server/services/runners/lease-sweeper.js';
import pino from 'pino';
import { connectTo, useTestDatabase } from '../support/db.js';
import { waitFor } from '../support/service.js';
import {
  ensureRepository, expireLease, queueRun, registerRunner, seedTasks, startRunnerServer, statusOf, tasksOfJob,
} from './support.js';
import type { RunnerServer } from './support.js';

const db = useTestDatabase();
let server: RunnerServer;
let repo: number;
let first: RunnerClient;
let second: RunnerClient;

beforeAll(async () => {
  // The sweeper's own timer is slow here: the tests sweep by hand, after making leases run out.
  server = await startRunnerServer(db.sql, { pollMs: 0, sweepMs: 60_000, maxAttempts: 3 });
  repo = await ensureRepository(db.sql);
  first = await registerRunner(server.url, 'first');
  second = await registerRunner(server.url, 'second');
});
afterAll(async () => {
  await server?.close();
});

const sweep = () => server.runners.sweeper.sweepOnce();

describe('lease expiry', () => {
  it('ends the lost attempt as failure, queues the next one, and fences the stale runner', async () => {
    const created = await queueRun(db.sql, repo);
    const stale = (await first.claim(0))!;
    await first.logs(stale, 'build', ['before the lease ran out'], 0);
    await expireLease(db.sql, stale.id);

    // Past its lease, before any sweep, the runner is already fenced.
    await expect(first.heartbeat(stale)).rejects.toMatchObject({ status: 409, details: { status: 'running', ended_by: 'lease_expired' } });

    const ended = await sweep();
    expect(ended.map((t) => [t.id, t.attempt, t.status])).toEqual([[stale.id, 1, STATUS.failure]]);
    const attempts = await tasksOfJob(db.sql, created.job_id);
    expect(attempts.map((t) => [t.attempt, t.status, t.end_reason])).toEqual([
      [1, STATUS.failure, 'lease_expired'],
      [2, STATUS.waiting, null],
    ]);
    expect(await statusOf(db.sql, 'workflow_jobs', created.job_id)).toBe(STATUS.waiting);
    expect(await statusOf(db.sql, 'workflow_runs', created.run_id)).toBe(STATUS.waiting);

    // Every call of the stale runner is refused and changes nothing.
    const logBefore = await readTaskLog(db.sql, stale.id);
    expect(logBefore.map((l) => l.content)).toEqual(['before the lease ran out', expect.stringMatching(/attempt 1 lost.*attempt 2 of 3 is queued/)]);
    for (const call of [
      () => first.heartbeat(stale),
      () => first.finish(stale, 'success'),
      () => first.running(stale, new Date()),
      () => first.logs(stale, 'build', ['too late'], 1),
      () => first.release(stale),
    ]) {
      await expect(call()).rejects.toBeInstanceOf(LeaseLostError);
    }
    expect(await readTaskLog(db.sql, stale.id)).toEqual(logBefore);
    expect((await tasksOfJob(db.sql, created.job_id)).map((t) => t.status)).toEqual([STATUS.failure, STATUS.waiting]);

    const retry = (await second.claim(0))!;
    expect(retry.attempt).toBe(2);
    expect(retry.id).toBe(attempts[1]!.id);
    await second.finish(retry, 'success');
    expect(await statusOf(db.sql, 'workflow_jobs', created.job_id)).toBe(STATUS.success);
    expect(await statusOf(db.sql, 'workflow_runs', created.run_id)).toBe(STATUS.success);
  });

  it('fails job and run after the last allowed attempt, and announces the finished run', async () => {
    const heard: unknown[] = [];
    const listener = connectTo(db.url, 1);
    await listener.listen(RUNS_CHANNEL, (payload) => heard.push(JSON.parse(payload)));
    try {
      const created = await queueRun(db.sql, repo);
      for (let attempt = 1; attempt <= 3; attempt++) {
        const task = (await first.claim(0))!;
        expect(task.attempt).toBe(attempt);
        await expireLease(db.sql, task.id);
        await sweep();
      }
      expect(await first.claim(0)).toBeNull();
      const attempts = await tasksOfJob(db.sql, created.job_id);
      expect(attempts.map((t) => [t.attempt, t.status])).toEqual([[1, STATUS.failure], [2, STATUS.failure], [3, STATUS.failure]]);
      const log = await readTaskLog(db.sql, attempts[2]!.id);
      expect(log.at(-1)!.content).toMatch(/last of 3 attempts, so the job fails/);
      expect(await statusOf(db.sql, 'workflow_jobs', created.job_id)).toBe(STATUS.failure);
      const [run] = await db.sql<{ status: number; stopped_at: Date | null }[]>`select status, stopped_at from workflow_runs where id = ${created.run_id}`;
      expect(run).toEqual({ status: STATUS.failure, stopped_at: expect.any(Date) });
      await waitFor(async () => heard.length > 0, 'the plue_runs notification');
      expect(heard).toEqual([{ run_id: created.run_id, repository_id: repo, status: 'failure' }]);
    } finally {
      await listener.end();
    }
  });

  it('is swept exactly once when several replicas sweep at the same time', async () => {
    const ids = await seedTasks(db.sql, repo, 60);
    const held = [];
    for (let i = 0; i < ids.length; i++) held.push((await first.claim(0))!);
    await db.sql`update workflow_tasks set lease_expires_at = now() - interval '1 second' where id in ${db.sql(ids)}`;

    const replicas = await Promise.all([0, 1, 2].map(async () => connectTo(db.url, 2)));
    try {
      const log = pino({ level: 'silent' });
      const results = await Promise.all(replicas.map((sql) => new LeaseSweeper(sql, log, { maxAttempts: 3, intervalMs: 60_000, batch: 7 }).sweepOnce()));
      const swept = results.flat().map((t) => t.id).sort((a, b) => a - b);
      expect(swept).toEqual([...ids].sort((a, b) => a - b));
      const [counts] = await db.sql<{ second_attempts: number; jobs: number }[]>`
        select count(*)::int as second_attempts, count(distinct job_id)::int as jobs
        from workflow_tasks where attempt = 2 and job_id in (select job_id from workflow_tasks where id in ${db.sql(ids)})`;
      expect(counts).toEqual({ second_attempts: 60, jobs: 60 });
    } finally {
      await Promise.all(replicas.map((sql) => sql.end()));
    }
    // Leave nothing waiting for the other tests.
    for (let task = await second.claim(0); task; task = await second.claim(0)) await second.finish(task, 'success');
    expect(held).toHaveLength(60);
  });
});
