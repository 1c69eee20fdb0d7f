import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../server/services/service.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, push, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { CI_ON_PUSH, recordLog, runsOf, startTestService, waitFor } from '../support/service.js';

afterAll(removeTempDirs);

// Past the watch limit (PLUE_MAX_WATCHES here; the kernel's fs.inotify.max_user_watches behaves the same, see
// test/watch/ref-watcher-limit.test.ts): one log line that says what to do, no crash, a push through the hook
// recorded exactly once, and a push without a hook noticed by the comparison of unwatched repositories.
describe('past the watch limit', () => {
  const db = useTestDatabase();
  const recorded = recordLog('info');
  let service: Service;
  const works: Record<string, string> = {};
  let hooked: string;

  beforeAll(async () => {
    const reposDir = await createTempDir('plue-repos-');
    for (const name of ['hooked', 'plain']) {
      const bare = await createBareRepo(path.join(reposDir, 'acme', `${name}.git`));
      works[name] = await createWorkRepo(bare);
      await commitFiles(works[name]!, { '.plue/workflows/ci.py': CI_ON_PUSH }, 'initial');
      await push(works[name]!, 'main');
      if (name === 'hooked') hooked = bare;
    }
    // One watch allowed: not even one repository (3 watches each) is watched.
    service = await startTestService({ databaseUrl: db.url, reposDir, log: recorded.log, env: { PLUE_MAX_WATCHES: '1' }, unwatchedSweepMs: 200 });
    await writeFile(path.join(hooked, 'hooks', 'post-receive'), service.hookScript);
    await chmod(path.join(hooked, 'hooks', 'post-receive'), 0o755);
  });

  afterAll(async () => {
    await service?.close();
  });

  it('says so once: which limit, how to raise it, what still sees pushes', async () => {
    const line = await recorded.logged(/^file watching stopped/);
    expect(line).toContain('PLUE_MAX_WATCHES allows no more');
    expect(line).toContain('still recorded exactly through their post-receive hook');
    expect(line).toContain('every 200 ms and at every start');
    expect(recorded.messages.filter((m) => m.startsWith('file watching stopped'))).toHaveLength(1);
  });

  it('records a push through the hook exactly once, the comparison of unwatched repositories beside it', async () => {
    await commitFiles(works.hooked!, { 'a.txt': 'one' }, 'one');
    await push(works.hooked!, 'main');
    await waitFor(async () => (await runsOf(db.sql, 'acme', 'hooked')).length === 1 || undefined, 'the hooked push triggered');
    // The comparisons running every 200 ms meanwhile find the refs recorded: one event, one run.
    const [events] = await db.sql<{ n: number }[]>`
      select count(*)::int as n from events e join repositories r on r.id = e.repository_id where r.name = 'hooked' and e.kind = 'push'`;
    expect(events?.n).toBe(1);
    expect(await runsOf(db.sql, 'acme', 'hooked')).toHaveLength(1);
  });

  it('notices a push to a repository with no hook and no watch by comparing its refs', async () => {
    await commitFiles(works.plain!, { 'a.txt': 'two' }, 'two');
    await push(works.plain!, 'main');
    const runs = await waitFor(async () => {
      const found = await runsOf(db.sql, 'acme', 'plain');
      return found.length === 1 ? found : undefined;
    }, 'the unhooked push noticed');
    expect(runs[0]).toMatchObject({ workflow_name: 'CI', ref: 'refs/heads/main' });
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
  });
});
