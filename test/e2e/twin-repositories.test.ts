// `owner/x.git` and `owner/x/` side by side: neither takes the other's place. The one recorded first goes on;
// a name that two new repositories carry is recorded for neither, and the API and the hook say why.
import { rename } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Service } from '../../server/services/service.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, git, push, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { runsOf, startTestService, waitForPushTriggered } from '../support/service.js';

const db = useTestDatabase();
const services: Service[] = [];
afterAll(async () => {
  for (const s of services) await s.close();
  await removeTempDirs();
});

const CI = 'from plue import workflow\n\n@workflow(name="CI", on="push")\ndef ci(ctx):\n    pass\n';

describe('twin repositories', () => {
  it('a work tree `x/` added beside a recorded `x.git` takes nothing over', async () => {
    const reposDir = await createTempDir('plue-repos-');
    const bare = await createBareRepo(path.join(reposDir, 'acme', 'x.git'));
    const service = await startTestService({ databaseUrl: db.url, reposDir, env: { PLUE_PUBLIC_READ: '1' } });
    services.push(service);
    const work = await createWorkRepo(bare);
    const first = await commitFiles(work, { '.plue/workflows/ci.py': CI }, 'first');
    await push(work, 'main');
    await waitForPushTriggered(db.sql, 'refs/heads/main', first);

    const twin = await createWorkRepo(undefined, path.join(reposDir, 'acme', 'x'));
    await commitFiles(twin, { 'other.txt': 'x' }, 'the twin');
    await service.registry.scan('watcher');
    const [row] = await db.sql<{ path: string }[]>`select path from repositories where owner = 'acme' and name = 'x'`;
    expect(row?.path).toBe(bare);
    expect(service.registry.isInConflict('acme/x')).toBe(true);

    const second = await commitFiles(work, { 'a.txt': 'a' }, 'second');
    await push(work, 'main');
    await service.registry.refsChanged('acme/x');
    await waitForPushTriggered(db.sql, 'refs/heads/main', second);
    expect((await runsOf(db.sql, 'acme', 'x')).map((r) => r.commit_sha)).toEqual([first, second]);
    expect((await fetch(`${service.url}/api/repos/acme/x/workflows`)).status).toBe(200);
  });

  it('two new repositories of one name: neither is recorded; the API and the hook refuse it', async () => {
    const reposDir = await createTempDir('plue-repos-');
    const bare = await createBareRepo(path.join(reposDir, 'acme', 'y.git'));
    await createWorkRepo(undefined, path.join(reposDir, 'acme', 'y'));
    const service = await startTestService({ databaseUrl: db.url, reposDir, watch: false, env: { PLUE_PUBLIC_READ: '1' } });
    services.push(service);
    expect(await db.sql`select 1 from repositories where owner = 'acme' and name = 'y'`).toHaveLength(0);
    const api = await fetch(`${service.url}/api/repos/acme/y/workflows`);
    expect([api.status, (await api.json()).error.code]).toEqual([409, 'repository_conflict']);
    const hook = await service.app.inject({
      method: 'POST', url: '/api/hooks/post-receive',
      headers: { authorization: `Bearer ${service.hookToken}`, 'content-type': 'application/json' },
      payload: { repository_path: bare, updates: [{ before: '0'.repeat(40), after: 'a'.repeat(40), ref: 'refs/heads/main' }] },
    });
    expect([hook.statusCode, hook.json().error.code]).toEqual([422, 'unknown_repository']);
    expect(hook.json().error.message).toBe('acme/y exists twice on disk; an operator must remove or rename one');
    expect(await db.sql`select 1 from repositories where owner = 'acme' and name = 'y'`).toHaveLength(0);
  });

  it('a repository renamed from `z.git` to `z/` is a move, not a twin: its row follows it and pushes still trigger', async () => {
    const reposDir = await createTempDir('plue-repos-');
    const bare = await createBareRepo(path.join(reposDir, 'acme', 'z.git'));
    const service = await startTestService({ databaseUrl: db.url, reposDir, watch: false });
    services.push(service);
    const work = await createWorkRepo(bare);
    const first = await commitFiles(work, { '.plue/workflows/ci.py': CI }, 'first');
    await push(work, 'main');
    await service.registry.refsChanged('acme/z');
    await waitForPushTriggered(db.sql, 'refs/heads/main', first);

    const moved = path.join(reposDir, 'acme', 'z');
    await rename(bare, moved);
    await service.registry.scan('watcher');
    expect(service.registry.isInConflict('acme/z')).toBe(false);
    const [row] = await db.sql<{ path: string; state: string }[]>`select path, state from repositories where owner = 'acme' and name = 'z'`;
    expect(row).toEqual({ path: moved, state: 'active' });

    await git(['remote', 'set-url', 'origin', moved], work);
    const second = await commitFiles(work, { 'b.txt': 'b' }, 'second');
    await push(work, 'main');
    await service.registry.refsChanged('acme/z');
    await waitForPushTriggered(db.sql, 'refs/heads/main', second);
    expect((await runsOf(db.sql, 'acme', 'z')).map((r) => r.commit_sha)).toEqual([first, second]);
  });
});
