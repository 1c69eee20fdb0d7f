// One event starts at most PLUE_MAX_RUNS_PER_EVENT runs; the workflows past it are skipped, saying why.
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Service } from '../../server/services/service.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, git, push, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { runsOf, startTestService, waitFor, waitForPushTriggered } from '../support/service.js';

const db = useTestDatabase();
let service: Service | undefined;
let hooked: Service | undefined;
afterAll(async () => {
  await service?.close();
  await hooked?.close();
  await removeTempDirs();
});

describe('runs per event', () => {
  it('starts the first ones, in file order, and skips the rest with the reason', async () => {
    const reposDir = await createTempDir('plue-repos-');
    const bare = await createBareRepo(path.join(reposDir, 'acme', 'many.git'));
    service = await startTestService({ databaseUrl: db.url, reposDir, env: { PLUE_MAX_RUNS_PER_EVENT: '3' } });
    const work = await createWorkRepo(bare);
    const files = Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((n) => [
      `.plue/workflows/${n}.py`, `from plue import workflow\n\n@workflow(name="${n.toUpperCase()}", on="push")\ndef ${n}(ctx):\n    pass\n`,
    ]));
    const sha = await commitFiles(work, files, 'five workflows');
    await push(work, 'main');
    const result = await waitForPushTriggered(db.sql, 'refs/heads/main', sha);
    expect((await runsOf(db.sql, 'acme', 'many')).map((r) => r.workflow_name)).toEqual(['A', 'B', 'C']);
    expect(result.skipped.map((s) => [s.name, s.reason])).toEqual(['D', 'E'].map((name) => [
      name, 'not started: one event starts at most 3 runs (PLUE_MAX_RUNS_PER_EVENT), and 5 workflows matched',
    ]));
  });
});

describe('ref updates per push', () => {
  it('gives events to the default branch first, then branches by name; the rest are named in one failed event', async () => {
    const reposDir = await createTempDir('plue-repos-');
    const bare = await createBareRepo(path.join(reposDir, 'acme', 'wide.git'));
    hooked = await startTestService({ databaseUrl: db.url, reposDir, watch: false, env: { PLUE_MAX_REFS_PER_PUSH: '3' } });
    await writeFile(path.join(bare, 'hooks', 'post-receive'), hooked.hookScript);
    await chmod(path.join(bare, 'hooks', 'post-receive'), 0o750);
    const work = await createWorkRepo(bare);
    await commitFiles(work, { 'a.txt': 'a' }, 'first');
    await git(['push', '-q', 'origin', 'main', ...['a5', 'a4', 'a3', 'a2', 'a1'].map((b) => `main:refs/heads/${b}`)], work);
    const events = await waitFor(async () => {
      const rows = await db.sql<{ ref: string | null; status: string; source: string; last_error: string | null }[]>`
        select e.payload->>'ref' as ref, e.status, e.source, e.last_error from events e join repositories r on r.id = e.repository_id
        where r.name = 'wide' order by e.id`;
      return rows.length >= 4 ? rows : null;
    }, 'the events of the wide push');
    expect(events.filter((e) => e.source === 'hook').map((e) => e.ref)).toEqual(['refs/heads/main', 'refs/heads/a1', 'refs/heads/a2']);
    expect(events.filter((e) => e.source === 'limit')).toEqual([{
      ref: null, status: 'failed', source: 'limit',
      last_error: '3 ref update(s) past the limit of 3 per push (PLUE_MAX_REFS_PER_PUSH) started nothing: refs/heads/a3, refs/heads/a4, refs/heads/a5',
    }]);
    // Their refs moved all the same: nothing is seen again.
    const [state] = await db.sql<{ n: number }[]>`select count(*)::int as n from ref_states s join repositories r on r.id = s.repository_id where r.name = 'wide' and s.sha is not null`;
    expect(state?.n).toBe(6);
  });
});

describe('more than 5,000 workflow files', () => {
  it('triggers at every push, not only the first', async () => {
    const reposDir = await createTempDir('plue-repos-');
    const bare = await createBareRepo(path.join(reposDir, 'acme', 'huge.git'));
    const huge = await startTestService({ databaseUrl: db.url, reposDir, env: { PLUE_MAX_WORKFLOW_FILES: '6000' } });
    try {
      const work = await createWorkRepo(bare);
      const files = Object.fromEntries(Array.from({ length: 5001 }, (_, i) => [
        `.plue/workflows/w${i}.py`, `from plue import workflow\n\n@workflow(name="W${i}", on="push")\ndef w${i}(ctx):\n    pass\n`,
      ]));
      for (const [i, change] of [files, { 'README.md': 'again' }].entries()) {
        const sha = await commitFiles(work, change, `push ${i}`);
        await push(work, 'main');
        const result = await waitForPushTriggered(db.sql, 'refs/heads/main', sha, 60_000);
        expect(result.runs).toHaveLength(256);
      }
    } finally {
      await huge.close();
    }
  }, 180_000);
});
