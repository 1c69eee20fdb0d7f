import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, push, removeTempDirs } from '../git/fixtures.js';
import { ChildServices } from '../support/child-service.js';
import { useTestDatabase } from '../support/db.js';
import { runsOf, waitFor, waitForPushTriggered } from '../support/service.js';

const CI = 'from plue import workflow\n\n@workflow(name="CI", on="push")\nasync def ci(ctx):\n    pass\n';

const db = useTestDatabase();
const services = new ChildServices();
const serve = (env: Record<string, string>) => services.serve(env);

afterAll(async () => {
  services.killAll();
  await removeTempDirs();
});


describe('kill -9 in the middle of triggering', () => {
  it('loses nothing and duplicates nothing after a restart', async () => {
    const reposDir = await createTempDir('plue-repos-');
    const dataDir = await createTempDir('plue-data-');
    const bare = await createBareRepo(path.join(reposDir, 'acme', 'crash.git'));
    const work = await createWorkRepo(bare);
    await commitFiles(work, { '.plue/workflows/ci.py': CI }, 'baseline');
    await push(work, 'main');
    const env = { DATABASE_URL: db.url, PLUE_REPOS_DIR: reposDir, PLUE_DATA_DIR: dataDir, PLUE_DEMO: '0', PORT: '0' };

    const first = serve(env);
    const firstExited = new Promise((resolve) => first.once('exit', resolve));
    await waitFor(async () => (await db.sql`select 1 from repositories where name = 'crash'`).length > 0, 'the first service to register the repository');
    const shas: string[] = [];
    for (let i = 0; i < 12; i++) {
      shas.push(await commitFiles(work, { 'n.txt': String(i) }, `push ${i}`));
      await push(work, 'main');
      if (i === 5) {
        await waitFor(async () => (await runsOf(db.sql, 'acme', 'crash')).length > 0, 'a first run');
        first.kill('SIGKILL');
      }
    }
    await firstExited;

    serve(env);
    await waitForPushTriggered(db.sql, 'refs/heads/main', shas.at(-1)!);
    await waitFor(async () => (await db.sql`select 1 from events where status = 'pending'`).length === 0, 'no pending events');

    const runs = await runsOf(db.sql, 'acme', 'crash');
    const perCommit = new Map<string, number>();
    for (const r of runs) perCommit.set(r.commit_sha, (perCommit.get(r.commit_sha) ?? 0) + 1);
    expect([...perCommit.values()].every((n) => n === 1)).toBe(true);
    expect(perCommit.get(shas.at(-1)!)).toBe(1);
    expect(runs.map((r) => r.run_number)).toEqual(runs.map((_, i) => i + 1));
    const events = await db.sql<{ n: number }[]>`select count(*)::int as n from events where status <> 'processed'`;
    expect(events[0]?.n).toBe(0);
    // Every recorded push got its run: nothing recorded was lost in the crash.
    const [missing] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from events e
      where e.kind = 'push' and e.payload->>'after' <> ${'0'.repeat(40)}
        and not exists (select 1 from workflow_runs r where r.event_id = e.id)`;
    expect(missing?.n).toBe(0);
  }, 60_000);
});
