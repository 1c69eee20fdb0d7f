// One event starts at most PLUE_MAX_RUNS_PER_EVENT runs; the workflows past it are skipped, saying why.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Service } from '../../server/services/service.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, push, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { runsOf, startTestService, waitForPushTriggered } from '../support/service.js';

const db = useTestDatabase();
let service: Service | undefined;
afterAll(async () => {
  await service?.close();
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
