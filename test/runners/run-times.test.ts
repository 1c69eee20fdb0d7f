// When jobs and runs started: set by the first claim, kept through lost attempts, and cleared again when the only
// attempt is given back before it ran (the run is waiting as if never started).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS } from '../../server/adapters/db/status.js';
import type { RunnerClient } from '../../server/runner/client.js';
import { requestRunCancel } from '../../server/services/runners/cancel.js';
import { useTestDatabase } from '../support/db.js';
import { ensureRepository, expireLease, queueRun, registerRunner, startRunnerServer } from './support.js';
import type { RunnerServer } from './support.js';

const db = useTestDatabase();
let server: RunnerServer;
let repo: number;
let runner: RunnerClient;

beforeAll(async () => {
  server = await startRunnerServer(db.sql, { pollMs: 0, sweepMs: 3_600_000, maxAttempts: 3 });
  repo = await ensureRepository(db.sql);
  runner = await registerRunner(server.url, 'timer');
});
afterAll(async () => {
  await server?.close();
});

interface Times { status: number; started_at: Date | null; stopped_at: Date | null }

async function times(run: { run_id: number; job_id: number }): Promise<{ job: Times; run: Times }> {
  const [job] = await db.sql<Times[]>`select status, started_at, stopped_at from workflow_jobs where id = ${run.job_id}`;
  const [row] = await db.sql<Times[]>`select status, started_at, stopped_at from workflow_runs where id = ${run.run_id}`;
  return { job: job!, run: row! };
}

describe('start times of jobs and runs', () => {
  it('are cleared when the only attempt is given back before it ran', async () => {
    const run = await queueRun(db.sql, repo);
    const task = (await runner.claim(0))!;
    const claimed = await times(run);
    expect(claimed.job.started_at).toBeInstanceOf(Date);
    expect(claimed.run.started_at).toBeInstanceOf(Date);
    await runner.release(task);
    expect(await times(run)).toEqual({
      job: { status: STATUS.waiting, started_at: null, stopped_at: null },
      run: { status: STATUS.waiting, started_at: null, stopped_at: null },
    });
    const again = (await runner.claim(0))!;
    expect((await times(run)).run.started_at).toBeInstanceOf(Date);
    await runner.finish(again, 'success');
  });

  it('are kept when a lost attempt is queued again (it did run)', async () => {
    const run = await queueRun(db.sql, repo);
    const task = (await runner.claim(0))!;
    const claimed = await times(run);
    await expireLease(db.sql, task.id);
    await server.runners.sweeper.sweepOnce();
    const requeued = await times(run);
    expect(requeued.job).toEqual({ status: STATUS.waiting, started_at: claimed.job.started_at, stopped_at: null });
    expect(requeued.run).toEqual({ status: STATUS.waiting, started_at: claimed.run.started_at, stopped_at: null });
    const next = (await runner.claim(0))!;
    await runner.finish(next, 'success');
    expect((await times(run)).run.started_at).toEqual(claimed.run.started_at);
  });

  it('stay empty for a run cancelled after its task was given back', async () => {
    const run = await queueRun(db.sql, repo);
    const task = (await runner.claim(0))!;
    await runner.release(task);
    await requestRunCancel(db.sql, run.run_id);
    const after = await times(run);
    expect(after.run).toMatchObject({ status: STATUS.cancelled, started_at: null, stopped_at: expect.any(Date) });
    expect(after.job).toMatchObject({ status: STATUS.cancelled, started_at: null });
  });
});
