// The embedded PostgreSQL killed (-9) under pushes: the service does not crash, the supervisor starts the
// database again, and every push made around the kills ends as a run.
import { chmod } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSql } from '../../server/adapters/db/connect.js';
import { startEmbeddedPostgres } from '../../server/adapters/db/embedded.js';
import type { EmbeddedPostgres } from '../../server/adapters/db/embedded.js';
import type { Service } from '../../server/services/service.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, push, removeTempDirs } from '../git/fixtures.js';
import { runsOf, startTestService, waitFor } from '../support/service.js';

let pg: EmbeddedPostgres | undefined;
let service: Service | undefined;

afterAll(async () => {
  await service?.close();
  await pg?.stop();
  await removeTempDirs();
});

const WORKFLOW = 'from plue import workflow\n\n@workflow(on="push")\ndef ci(ctx):\n    pass\n';

describe('the embedded database killed under pushes', () => {
  it('is restarted each time; no crash, no lost push', async () => {
    const dataDir = await createTempDir('plue-pg-');
    await chmod(dataDir, 0o755);
    // Durable: with synchronous_commit off a kill -9 loses the last commits, as it would in production.
    pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres'), durable: true });
    const reposDir = await createTempDir('plue-repos-');
    const bare = await createBareRepo(path.join(reposDir, 'acme', 'app.git'));
    service = await startTestService({ databaseUrl: pg.url, reposDir });
    const work = await createWorkRepo(bare);
    const sql = createSql(pg.url, { max: 2 });
    const pushed: string[] = [];
    const runFor = (sha: string) =>
      waitFor(async () => (await runsOf(sql, 'acme', 'app').catch(() => [])).some((r) => r.commit_sha === sha), `the run of ${sha.slice(0, 7)}`, 60_000);
    try {
      for (let kill = 1; kill <= 3; kill++) {
        pushed.push(await commitFiles(work, { '.plue/workflows/ci.py': WORKFLOW, [`file-${kill}-a`]: 'a' }));
        await push(work, 'main');
        await runFor(pushed.at(-1)!);
        process.kill(pg.pid, 'SIGKILL');
        pushed.push(await commitFiles(work, { [`file-${kill}-b`]: 'b' })); // while the database is away
        await push(work, 'main');
        await waitFor(async () => pg!.restarts === kill, `restart ${kill}`, 60_000);
        await runFor(pushed.at(-1)!);
      }
      const runs = await runsOf(sql, 'acme', 'app');
      expect(runs.map((r) => r.commit_sha)).toEqual(pushed);
      const res = await fetch(`${service.url}/healthz`);
      expect(res.status).toBe(200);
    } finally {
      await sql.end();
    }
  }, 180_000);
});
