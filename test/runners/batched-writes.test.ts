// Claims and final statuses written in batches (issue 15): one claim statement for several slots, one transaction
// for several reports, with the same results as one at a time.
import { describe, expect, it } from 'vitest';
import { RUNS_CHANNEL } from '../../server/adapters/db/rollup.js';
import { STATUS } from '../../server/adapters/db/status.js';
import { claimTasks } from '../../server/adapters/db/tasks.js';
import { finishReported } from '../../server/services/runners/completions.js';
import { useTestDatabase } from '../support/db.js';
import { waitFor } from '../support/service.js';
import { ensureRepository, queueRun } from './support.js';

const db = useTestDatabase();

async function runner(name: string): Promise<number> {
  const [row] = await db.sql<{ id: number }[]>`insert into runners (name, token_hash) values (${name}, ${name}) returning id`;
  return row!.id;
}

const statesOf = async (runId: number) =>
  (await db.sql<{ state: string }[]>`select state from commit_statuses where run_id = ${runId} order by id`).map((r) => r.state);

describe('batched claims and completions', () => {
  it('claims one task per slot in one statement and ends them in one transaction, each run rolled up', async () => {
    const repo = await ensureRepository(db.sql, 'batch', 'one');
    const runs = [await queueRun(db.sql, repo), await queueRun(db.sql, repo), await queueRun(db.sql, repo)];
    const runnerId = await runner('batch-one');
    const slots = ['a', 'b', 'c', 'd'].map((t) => ({ runnerId, tokenHash: `batch-one-${t}` }));
    const claimed = await claimTasks(db.sql, { labels: [], leaseSeconds: 60, slots });
    expect(claimed.map((t) => t?.run_id ?? null)).toEqual([...runs.map((r) => r.run_id), null]);
    const heard: Array<{ run_id: number; status: string }> = [];
    const listening = await db.sql.listen(RUNS_CHANNEL, (payload) => heard.push(JSON.parse(payload)));
    try {
      const verdicts = [STATUS.success, STATUS.failure, STATUS.success];
      const ended = await finishReported(db.sql, claimed.slice(0, 3).map((task, i) => ({
        id: task!.id, tokenHash: slots[i]!.tokenHash, status: verdicts[i]!, startedAt: null, stoppedAt: null,
      })));
      expect(ended.map((t) => t?.status)).toEqual(verdicts);
      const rows = await db.sql<{ id: number; status: number }[]>`
        select id, status from workflow_runs where id in ${db.sql(runs.map((r) => r.run_id))} order by id`;
      expect(rows.map((r) => r.status)).toEqual(verdicts);
      for (const [i, run] of runs.entries()) {
        expect(await statesOf(run.run_id)).toEqual(['pending', 'pending', verdicts[i] === STATUS.success ? 'success' : 'failure']);
      }
      await waitFor(async () => heard.length === 3 || null, 'three runs announced as finished');
      expect(heard.map((m) => m.run_id).sort()).toEqual(runs.map((r) => r.run_id).sort());
    } finally {
      await listening.unlisten();
    }
  });

  it('rolls a run up once when two of its jobs end in the same batch', async () => {
    const repo = await ensureRepository(db.sql, 'batch', 'two');
    const run = await queueRun(db.sql, repo);
    await db.sql`
      with job as (
        insert into workflow_jobs (run_id, repository_id, name, job_id, runs_on, status)
        values (${run.run_id}, ${repo}, 'lint', 'lint', '[]', ${STATUS.waiting}) returning id
      )
      insert into workflow_tasks (job_id, repository_id, status, commit_sha, workflow_content, workflow_path, function_name)
      select job.id, t.repository_id, ${STATUS.waiting}, t.commit_sha, t.workflow_content, t.workflow_path, t.function_name
      from job, workflow_tasks t where t.id = ${run.task_id}`;
    const runnerId = await runner('batch-two');
    const slots = ['a', 'b'].map((t) => ({ runnerId, tokenHash: `batch-two-${t}` }));
    const claimed = await claimTasks(db.sql, { labels: [], leaseSeconds: 60, slots });
    expect(claimed.every((t) => t?.run_id === run.run_id)).toBe(true);
    await finishReported(db.sql, claimed.map((task, i) => ({
      id: task!.id, tokenHash: slots[i]!.tokenHash, status: STATUS.success, startedAt: null, stoppedAt: null,
    })));
    const jobs = await db.sql<{ status: number }[]>`select status from workflow_jobs where run_id = ${run.run_id}`;
    expect(jobs.map((j) => j.status)).toEqual([STATUS.success, STATUS.success]);
    const [row] = await db.sql<{ status: number; stopped_at: Date | null }[]>`select status, stopped_at from workflow_runs where id = ${run.run_id}`;
    expect(row).toMatchObject({ status: STATUS.success, stopped_at: expect.any(Date) });
    expect(await statesOf(run.run_id)).toEqual(['pending', 'pending', 'success']);
  });

  it('ends a task once when its report comes twice in a batch, and nothing for a report with a wrong token', async () => {
    const repo = await ensureRepository(db.sql, 'batch', 'three');
    await queueRun(db.sql, repo);
    const runnerId = await runner('batch-three');
    const [task] = await claimTasks(db.sql, { labels: [], leaseSeconds: 60, slots: [{ runnerId, tokenHash: 'batch-three' }] });
    const report = { id: task!.id, tokenHash: 'batch-three', status: STATUS.success, startedAt: null, stoppedAt: null };
    const ended = await finishReported(db.sql, [report, report, { ...report, tokenHash: 'someone-else' }, { ...report, status: STATUS.failure }]);
    expect(ended.map((t) => t?.status ?? null)).toEqual([STATUS.success, STATUS.success, null, null]);
    const [row] = await db.sql<{ status: number; attempt: number }[]>`select status, attempt from workflow_tasks where id = ${task!.id}`;
    expect(row).toEqual({ status: STATUS.success, attempt: 1 });
  });
});
