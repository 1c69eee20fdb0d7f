import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Service } from '../../server/services/service.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, push, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { runsOf, startTestService, waitFor, waitForPushTriggered } from '../support/service.js';

const DEPLOY = `from plue import workflow

@workflow(name="Deploy", on="push", concurrency="deploy-{ref}", cancel_in_progress=True)
def deploy(ctx):
    pass

@workflow(name="Test", on="push", concurrency="test-{ref}")
def test(ctx):
    pass
`;

const db = useTestDatabase();
let service: Service | undefined;

afterAll(async () => {
  await service?.close();
  await removeTempDirs();
});

describe('concurrency groups', () => {
  it('cancel_in_progress: a new run of the group cancels the older unfinished one; other groups are left alone', async () => {
    const reposDir = await createTempDir('plue-repos-');
    const bare = await createBareRepo(path.join(reposDir, 'acme', 'app.git'));
    service = await startTestService({ databaseUrl: db.url, reposDir });
    const work = await createWorkRepo(bare);
    const first = await commitFiles(work, { '.plue/workflows/deploy.py': DEPLOY }, 'first');
    await push(work, 'main');
    await waitForPushTriggered(db.sql, 'refs/heads/main', first);
    const second = await commitFiles(work, { 'a.txt': 'a' }, 'second');
    await push(work, 'main');
    await waitForPushTriggered(db.sql, 'refs/heads/main', second);
    await waitFor(async () => (await runsOf(db.sql, 'acme', 'app')).some((r) => r.status === 3), 'the superseded run to be cancelled');
    const runs = await runsOf(db.sql, 'acme', 'app');
    const view = runs.map((r) => `${r.workflow_name}@${r.commit_sha === first ? 'first' : 'second'}:${r.status}`).sort();
    expect(view).toEqual(['Deploy@first:3', 'Deploy@second:5', 'Test@first:5', 'Test@second:5']);
  });
});
