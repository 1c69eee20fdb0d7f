// Faults, measured: API latency while an event whose workflows take longer to parse than their budget is being
// triggered, and the time from the embedded PostgreSQL's return after a kill -9 to the first successful request.
// BENCH_QUICK=1: fewer heavy files and one kill.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createSql } from '../server/adapters/db/connect.js';
import { startEmbeddedPostgres } from '../server/adapters/db/embedded.js';
import { loadConfig } from '../server/config.js';
import { startService } from '../server/services/service.js';
import { commitFiles, createBareRepo, createWorkRepo, push } from '../test/git/fixtures.js';
import { benchSize, check, percentile, within } from './support.js';

const HEAVY_FILES = benchSize('BENCH_HEAVY_FILES', 60, 20);
const KILLS = benchSize('BENCH_KILLS', 3, 1);
const heavy = (i: number) => `from plue import workflow\n\n@workflow(name="Big${i}", on="push")\ndef big${i}(ctx):\n${'    x = [1, 2, 3, 4, 5, 6, 7, 8, 9]\n'.repeat(7000)}`;

const dir = await mkdtemp(path.join(os.tmpdir(), 'plue-bench-faults-'));
await chmod(dir, 0o755);
const pg = await startEmbeddedPostgres({ dataDir: path.join(dir, 'postgres') });
const reposDir = path.join(dir, 'repos');
const config = loadConfig({
  DATABASE_URL: pg.url, PLUE_DATA_DIR: path.join(dir, 'data'), PLUE_REPOS_DIR: reposDir, PLUE_DEMO: '0', PORT: '0',
  PLUE_PUBLIC_READ: '1', PLUE_EVENT_TIME_SECONDS: '2',
}, process.cwd());
const service = await startService(config, pino({ level: 'silent' }));
const sql = createSql(pg.url, { max: 2 });
try {
  const bare = await createBareRepo(path.join(reposDir, 'acme', 'heavy.git'));
  await within(30_000, 'the repository to be found', (async () => {
    while ((await sql`select 1 from repositories where name = 'heavy'`).length === 0) await service.registry.scan('watcher');
  })());
  const work = await createWorkRepo(bare);
  const sha = await commitFiles(work, Object.fromEntries(Array.from({ length: HEAVY_FILES }, (_, i) => [`.plue/workflows/big${i}.py`, heavy(i)])), 'heavy');
  await push(work, 'main');

  const latencies: number[] = [];
  const pushed = performance.now();
  let event: { status: string } | undefined;
  while (performance.now() - pushed < 60_000) {
    const started = performance.now();
    const response = await fetch(`${service.url}/api/repos/acme/heavy/runs`);
    latencies.push(performance.now() - started);
    check(response.status === 200 || response.status === 404, 'the API answered', response.status);
    [event] = await sql<{ status: string }[]>`select status from events where payload->>'after' = ${sha} and status <> 'pending'`;
    if (event) break;
  }
  check(event?.status === 'failed', 'the heavy event failed past its budget', event);
  const sorted = latencies.sort((a, b) => a - b);
  console.log(`API latency while a pathological event (${HEAVY_FILES} files of 250 KB, a 2 s budget) was triggered: ` +
    `p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms ` +
    `(n=${sorted.length}; the event failed after ${((performance.now() - pushed) / 1000).toFixed(1)} s)`);

  const recoveries: number[] = [];
  for (let kill = 1; kill <= KILLS; kill++) {
    process.kill(pg.pid, 'SIGKILL');
    await within(60_000, 'the database to be back', (async () => {
      while (pg.restarts < kill) await new Promise((r) => setImmediate(r));
    })());
    const back = performance.now();
    await within(60_000, 'a successful request', (async () => {
      while ((await fetch(`${service.url}/api/repos/acme/heavy/workflows`)).status !== 200) { /* again at once */ }
    })());
    recoveries.push(performance.now() - back);
  }
  console.log(`database killed (-9) ${KILLS} time(s): from its return to the first successful API request: ` +
    recoveries.map((ms) => `${ms.toFixed(0)} ms`).join(', '));
} finally {
  await sql.end();
  await service.close();
  await pg.stop();
  await rm(dir, { recursive: true, force: true });
}
