import { describe, expect, it } from 'vitest';
import type { Queryable } from '../../server/adapters/db/queryable.js';
import { STATUS, statusName, statusNumber } from '../../server/adapters/db/status.js';
import { useTestDatabase } from '../support/db.js';
import { setTimeout as sleep } from 'node:timers/promises';

const db = useTestDatabase({ max: 10 });

let repoSeq = 0;
async function insertRepository(sql: Queryable): Promise<number> {
  repoSeq += 1;
  const [row] = await sql<{ id: number }[]>`
    insert into repositories (owner, name, path)
    values ('acme', ${`repo${repoSeq}`}, ${`/srv/git/acme/repo${repoSeq}.git`})
    returning id`;
  return row!.id;
}

async function takeRunNumber(sql: Queryable, repositoryId: number): Promise<number> {
  const [row] = await sql<{ run_number: number }[]>`
    update repository_counters set next_run_number = next_run_number + 1
    where repository_id = ${repositoryId}
    returning next_run_number - 1 as run_number`;
  return row!.run_number;
}

async function insertRun(sql: Queryable, repositoryId: number, runNumber: number, eventId: number | null = null) {
  return sql`
    insert into workflow_runs (repository_id, run_number, trigger_event, ref, commit_sha, status,
                               event_id, workflow_path, workflow_name, function_name)
    values (${repositoryId}, ${runNumber}, 'push', 'refs/heads/main', ${'a'.repeat(40)}, ${STATUS.waiting},
            ${eventId}, '.plue/workflows/ci.py', 'CI', 'ci')
    returning id`;
}

async function insertEvent(sql: Queryable, repositoryId: number, dedupKey: string, source: string) {
  return sql<{ id: number }[]>`
    insert into events (repository_id, kind, dedup_key, payload, source)
    values (${repositoryId}, 'push', ${dedupKey}, ${sql.json({ ref: 'refs/heads/main' })}, ${source})
    on conflict (repository_id, dedup_key) do nothing
    returning id`;
}

describe('status numbers', () => {
  it.each(Object.entries(STATUS))('%s <-> %i', (word, n) => {
    expect(statusNumber(word)).toBe(n);
    expect(statusName(n)).toBe(word);
  });

  it.each([[-1], [8], [1.5]])('statusName(%s) throws', (n) => {
    expect(() => statusName(n)).toThrow(RangeError);
  });

  it.each([['done'], ['toString'], ['']])('statusNumber(%j) throws', (word) => {
    expect(() => statusNumber(word)).toThrow(RangeError);
  });
});

describe('schema', () => {
  it('returns bigint ids as JS numbers', async () => {
    const id = await insertRepository(db.sql);
    expect(typeof id).toBe('number');
    const [count] = await db.sql<{ n: number }[]>`select count(*) as n from repositories where id = ${id}`;
    expect(count?.n).toBe(1);
  });

  it('collides the watcher and the hook delivering the same ref update', async () => {
    const repo = await insertRepository(db.sql);
    const otherRepo = await insertRepository(db.sql);
    const key = `ref:refs/heads/main:${'0'.repeat(40)}:${'1'.repeat(40)}`;

    expect(await insertEvent(db.sql, repo, key, 'watcher')).toHaveLength(1);
    expect(await insertEvent(db.sql, repo, key, 'hook')).toHaveLength(0);
    expect(await insertEvent(db.sql, otherRepo, key, 'hook')).toHaveLength(1);

    const rows = await db.sql<{ source: string; status: string }[]>`
      select source, status from events where repository_id = ${repo}`;
    expect(rows).toEqual([{ source: 'watcher', status: 'pending' }]);
  });

  it('creates a run-number counter with each repository', async () => {
    const repo = await insertRepository(db.sql);
    expect(await takeRunNumber(db.sql, repo)).toBe(1);
    expect(await takeRunNumber(db.sql, repo)).toBe(2);
  });

  it('gives 50 concurrent takers 50 distinct run numbers', async () => {
    const repo = await insertRepository(db.sql);
    const numbers = await Promise.all(
      Array.from({ length: 50 }, () =>
        db.sql.begin(async (tx) => {
          const n = await takeRunNumber(tx, repo);
          await insertRun(tx, repo, n);
          return n;
        }),
      ),
    );
    expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('rejects a second run with the same run number in a repository', async () => {
    const repo = await insertRepository(db.sql);
    await insertRun(db.sql, repo, 7);
    await expect(insertRun(db.sql, repo, 7)).rejects.toMatchObject({ code: '23505' });
    const other = await insertRepository(db.sql);
    await expect(insertRun(db.sql, other, 7)).resolves.toHaveLength(1);
  });

  it('allows one run per event and workflow function', async () => {
    const repo = await insertRepository(db.sql);
    const [event] = await insertEvent(db.sql, repo, 'manual:1', 'api');
    await insertRun(db.sql, repo, 1, event!.id);
    await expect(insertRun(db.sql, repo, 2, event!.id)).rejects.toMatchObject({
      code: '23505',
      constraint_name: 'workflow_runs_event_id_workflow_path_function_name_key',
    });
  });

  it('keys workflow definitions by file and function, with one file-level row', async () => {
    const repo = await insertRepository(db.sql);
    const insert = (fn: string) => db.sql`
      insert into workflow_definitions (repository_id, name, file_path, file_sha, function_name, state)
      values (${repo}, 'x', '.plue/workflows/ci.py', 'sha', ${fn}, 'active')
      on conflict (repository_id, file_path, function_name) do nothing
      returning id`;
    expect(await insert('build')).toHaveLength(1);
    expect(await insert('test')).toHaveLength(1);
    expect(await insert('')).toHaveLength(1);
    expect(await insert('build')).toHaveLength(0);
  });

  it('rejects a status number outside the known range', async () => {
    const repo = await insertRepository(db.sql);
    await expect(insertRun(db.sql, repo, 1).then(() =>
      db.sql`update workflow_runs set status = 8 where repository_id = ${repo}`,
    )).rejects.toMatchObject({ code: '23514' });
  });

  it('touches updated_at on update', async () => {
    const repo = await insertRepository(db.sql);
    const [before] = await db.sql<{ updated_at: Date }[]>`select updated_at from repositories where id = ${repo}`;
    await sleep(5);
    const [after] = await db.sql<{ updated_at: Date }[]>`
      update repositories set default_branch = 'main' where id = ${repo} returning updated_at`;
    expect(after!.updated_at.getTime()).toBeGreaterThan(before!.updated_at.getTime());
  });

  it('deletes everything of a repository with it', async () => {
    const repo = await insertRepository(db.sql);
    const [event] = await insertEvent(db.sql, repo, 'k', 'api');
    const [run] = await insertRun(db.sql, repo, 1, event!.id);
    const [job] = await db.sql<{ id: number }[]>`
      insert into workflow_jobs (run_id, repository_id, name, job_id, status)
      values (${run!.id}, ${repo}, 'ci', 'ci', ${STATUS.waiting}) returning id`;
    await db.sql`
      insert into workflow_tasks (job_id, status, repository_id, commit_sha, workflow_content, workflow_path, function_name)
      values (${job!.id}, ${STATUS.waiting}, ${repo}, 'sha', 'print(1)', '.plue/workflows/ci.py', 'ci')`;

    await db.sql`delete from repositories where id = ${repo}`;
    const [left] = await db.sql<{ n: number }[]>`
      select (select count(*) from events where repository_id = ${repo})
           + (select count(*) from workflow_runs where repository_id = ${repo})
           + (select count(*) from workflow_tasks where repository_id = ${repo})
           + (select count(*) from repository_counters where repository_id = ${repo}) as n`;
    expect(left?.n).toBe(0);
  });
});
