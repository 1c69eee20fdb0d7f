// Scratch: where one claim-and-complete cycle spends its time (one connection, no contention).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createSql } from '../../server/adapters/db/connect.js';
import { startEmbeddedPostgres } from '../../server/adapters/db/embedded.js';
import { migrate } from '../../server/adapters/db/migrate.js';
import { claimTask, finishTask } from '../../server/adapters/db/tasks.js';
import { STATUS } from '../../server/adapters/db/status.js';
import { rollUpJobs } from '../../server/services/runners/rollup.js';
import { hashToken, newTaskToken } from '../../server/services/runners/tokens.js';
import { analyzeTasks, ensureRepository, seedTasks } from '../../test/runners/support.js';

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'plue-prof-'));
const pg = await startEmbeddedPostgres({ dataDir: dir, database: 'postgres', durable: process.env.DURABLE === '1' });
const sql = createSql(pg.adminUrl, { max: 2 });
await migrate(sql);
const repo = await ensureRepository(sql);
const N = 1000;
await seedTasks(sql, repo, N);
await analyzeTasks(sql);
const [runner] = await sql<{ id: number }[]>`insert into runners (name, token_hash) values ('p', 'p') returning id`;
const t = { claim: 0, finish: 0, rollup: 0, commit: 0 };
const all = performance.now();
for (let i = 0; i < N; i++) {
  const token = newTaskToken();
  let a = performance.now();
  const task = await claimTask(sql, { runnerId: runner!.id, labels: [], tokenHash: hashToken(token), leaseSeconds: 60 });
  t.claim += performance.now() - a;
  await sql.begin(async (tx) => {
    a = performance.now();
    const row = await finishTask(tx, { id: task!.id, tokenHash: hashToken(token), status: STATUS.success, startedAt: null, stoppedAt: null });
    t.finish += performance.now() - a;
    a = performance.now();
    await rollUpJobs(tx, [row!.job_id]);
    t.rollup += performance.now() - a;
    a = performance.now();
  });
  t.commit += performance.now() - a;
}
const total = performance.now() - all;
console.log(`cycles/s (1 connection): ${Math.round(N / (total / 1000))}; per cycle ms:`, Object.fromEntries(Object.entries(t).map(([k, v]) => [k, (v / N).toFixed(3)])));
await sql.end();
await pg.stop();
await fs.rm(dir, { recursive: true, force: true });
