import { chmod } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSql } from '../../server/adapters/db/connect.js';
import { startEmbeddedPostgres } from '../../server/adapters/db/embedded.js';
import type { EmbeddedPostgres } from '../../server/adapters/db/embedded.js';
import type { Service } from '../../server/services/service.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, push, removeTempDirs } from '../git/fixtures.js';
import { recordLog, runsOf, startTestService, waitFor, waitForPushTriggered } from '../support/service.js';

let pg: EmbeddedPostgres | undefined;
let service: Service | undefined;

afterAll(async () => {
  await service?.close();
  await pg?.stop();
  await removeTempDirs();
});

describe('a database that goes down', () => {
  it('loses no push made while it was down: the refs are diffed again when it returns', async () => {
    const dataDir = await createTempDir('plue-pg-');
    await chmod(dataDir, 0o755);
    const pgDir = path.join(dataDir, 'postgres');
    pg = await startEmbeddedPostgres({ dataDir: pgDir, durable: false });
    const port = pg.port;
    const reposDir = await createTempDir('plue-repos-');
    const bare = await createBareRepo(path.join(reposDir, 'acme', 'app.git'));
    const recorded = recordLog('warn');
    service = await startTestService({ databaseUrl: pg.url, reposDir, log: recorded.log, env: { PLUE_PUBLIC_READ: '1' } });

    await pg.stop();
    // While it is away, the API says so, and when to try again.
    const away = await fetch(`${service.url}/api/repos/acme/app/workflows`);
    expect([away.status, away.headers.get('retry-after'), (await away.json()).error.code]).toEqual([503, '2', 'database_unavailable']);
    const work = await createWorkRepo(bare);
    const sha = await commitFiles(work, { '.plue/workflows/ci.py': 'from plue import workflow\n\n@workflow(on="push")\ndef ci(ctx):\n    pass\n' });
    await push(work, 'main');
    await recorded.logged(/cannot record ref changes/); // the watcher fired and could not reach the database

    pg = await startEmbeddedPostgres({ dataDir: pgDir, port, durable: false });
    const sql = createSql(pg.url, { max: 2 });
    try {
      await waitForPushTriggered(sql, 'refs/heads/main', sha);
      await waitFor(async () => (await runsOf(sql, 'acme', 'app')).length === 1, 'the run');
      expect((await runsOf(sql, 'acme', 'app')).map((r) => r.commit_sha)).toEqual([sha]);
    } finally {
      await sql.end();
    }
  }, 60_000);
});
