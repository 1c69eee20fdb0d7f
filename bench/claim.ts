// npm run bench:claim — how fast tasks reach runners, and how many claim-and-complete cycles per second.
//
//   wake-up latency   a runner waits in a claim on the HTTP server; another connection pool (as another replica
//                     would) inserts a run and notifies (`createRuns`, one statement, in a transaction of one round
//                     trip, as graphile-worker's addJob is one statement); time from the start of that insert
//                     until the runner holds the task (its claim reply arrived).
//   SQL level         8 claimers on 8 connections, each claiming and reporting `success` through the service's
//                     claim and completion paths (no HTTP), until the queue is empty.
//   HTTP level        16 reference-runner clients claiming and completing through the HTTP API: each final status
//                     also claims the runner's next task (`next`); then again with a claim request of its own.
//
// Uses DATABASE_URL (a fresh database is created on that server and dropped afterwards) or an embedded
// PostgreSQL in a temporary folder with the service's default settings, fsync on, as the targets were measured
// (BENCH_FSYNC=0: fsync off, as in the tests, where a commit flushes nothing). BENCH_QUICK=1: few samples and
// tasks. Fails on a duplicate claim or a lost task. BENCH_DEBUG=1 prints batch sizes and CPU per cycle;
// BENCH_PROFILE=dir writes a CPU profile of each level.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import pino from 'pino';
import { createSql } from '../server/adapters/db/connect.js';
import type { Sql } from '../server/adapters/db/connect.js';
import { startEmbeddedPostgres } from '../server/adapters/db/embedded.js';
import { migrate } from '../server/adapters/db/migrate.js';
import { STATUS } from '../server/adapters/db/status.js';
import { Claims, claimSeveralForRunner } from '../server/services/runners/claim.js';
import { Completions } from '../server/services/runners/completions.js';
import { reportStatus } from '../server/services/runners/task-actions.js';
import { TaskWakeups } from '../server/services/runners/wakeups.js';
import { databaseUrl } from '../test/support/db-url.js';
import { graphileLatency, graphileThroughput } from './graphile.js';
import { cpuPerEvent, cpuSample, postmasterPid } from './process-cpu.js';
import { benchSize, check, percentile, within } from './support.js';
import { analyzeTasks, ensureRepository, queueRun, registerRunner, seedTasks, startRunnerServer } from '../test/runners/support.js';
import { setTimeout as sleep } from 'node:timers/promises';

const WAKEUP_SAMPLES = benchSize('BENCH_WAKEUPS', 200, 20);
const SQL_TASKS = benchSize('BENCH_SQL_TASKS', 4000, 300);
const HTTP_TASKS = benchSize('BENCH_HTTP_TASKS', 3000, 200);
/** Tasks a claimer (SQL level) or runner (HTTP) takes at once in the first line of each level: runners of 4 slots. */
const SQL_TASKS_PER_CLAIM = 4;
const HTTP_TASKS_PER_REQUEST = 4;
/** ANALYZE after seeding (as autovacuum would soon do); BENCH_ANALYZE=0 measures never-analyzed statistics. */
const ANALYZE = process.env.BENCH_ANALYZE !== '0';
const GRAPHILE_VERSION = (JSON.parse(await fs.readFile(new URL('../node_modules/graphile-worker/package.json', import.meta.url), 'utf8')) as { version: string }).version;


async function openBenchDatabase(): Promise<{ url: string; cleanup(): Promise<void>; where: string; postmaster: number | null }> {
  const name = `plue_bench_${process.pid}`;
  let adminUrl = process.env.DATABASE_URL;
  let stopServer = async () => {};
  let where = 'DATABASE_URL';
  if (!adminUrl) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'plue-bench-pg-'));
    const durable = process.env.BENCH_FSYNC !== '0';
    const pg = await startEmbeddedPostgres({ dataDir: dir, database: 'postgres', durable });
    adminUrl = pg.adminUrl;
    where = `embedded PostgreSQL, fsync ${durable ? 'on (default settings)' : 'off'}`;
    stopServer = async () => {
      await pg.stop();
      await fs.rm(dir, { recursive: true, force: true });
    };
  }
  const admin = createSql(adminUrl, { max: 1 });
  await admin.unsafe(`create database ${name}`);
  const url = databaseUrl(adminUrl, name);
  const sql = createSql(url, { max: 1 });
  await migrate(sql);
  const postmaster = await postmasterPid(sql as never);
  await sql.end();
  return {
    url, where, postmaster,
    cleanup: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
      await stopServer();
    },
  };
}

async function wakeupLatency(url: string): Promise<number[]> {
  const serverSql = createSql(url, { max: 10 });
  const producer = createSql(url, { max: 2 }); // another replica's pool
  const server = await startRunnerServer(serverSql, { pollMs: 0 });
  try {
    const repo = await ensureRepository(producer);
    const runner = await registerRunner(server.url, 'bench-wakeup');
    const samples: number[] = [];
    const commits: number[] = [];
    // BENCH_DEBUG: when the service heard the notification, and when its claim statement returned.
    const heard: number[] = [];
    const claimed: number[] = [];
    let heardAt = 0;
    let claimedAt = 0;
    if (process.env.BENCH_DEBUG) {
      const { wakeups, claims } = server.runners;
      const signal = wakeups.signal.bind(wakeups);
      wakeups.signal = () => { heardAt = performance.now(); signal(); };
      const claim = claims.claim.bind(claims);
      claims.claim = async (...args) => { const got = await claim(...args); if (got) claimedAt = performance.now(); return got; };
    }
    for (let i = 0; i < WAKEUP_SAMPLES + 10; i++) {
      const claim = runner.claim(30);
      while (server.runners.wakeups.waiting === 0) await sleep(1);
      await sleep(2);
      const started = performance.now();
      await queueRun(producer, repo);
      const committed = performance.now();
      const task = await within(30_000, 'a woken claim', claim);
      const held = performance.now();
      if (i >= 10) commits.push(committed - started);
      check(task, 'claim ended without a task');
      if (i >= 10) samples.push(held - started);
      if (i >= 10 && heardAt > 0) {
        heard.push(heardAt - committed);
        claimed.push(claimedAt - heardAt);
      }
      await runner.finish(task, 'success');
    }
    if (process.env.BENCH_DEBUG) {
      const p50 = (xs: number[]) => percentile(xs.sort((a, b) => a - b), 50).toFixed(2);
      console.log(`  p50s: the producer's transaction ${p50(commits)} ms; its commit to the service hearing it ${p50(heard)} ms; ` +
        `hearing to the claim statement's return ${p50(claimed)} ms; the rest (reply to the runner) ${p50(samples.map((x, k) => x - commits[k]! - heard[k]! - claimed[k]!))} ms`);
      printBatches([...server.runners.claims.byLabels]);
    }
    return samples.sort((a, b) => a - b);
  } finally {
    await server.close();
    await serverSql.end();
    await producer.end();
  }
}

/** BENCH_PROFILE=dir: a CPU profile of this process over each measured level, written as dir/<level>.cpuprofile. */
async function startProfile(): Promise<{ stop(name: string): Promise<void> }> {
  const dir = process.env.BENCH_PROFILE;
  if (!dir) return { stop: async () => {} };
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    stop: async (name) => {
      const { profile } = await session.post('Profiler.stop');
      await fs.mkdir(dir, { recursive: true });
      await fs.writeFile(path.join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
      session.disconnect();
    },
  };
}

function printBatches(batchers: Array<readonly [string, { written: { batches: number; requests: number; ms: number } }]>): void {
  for (const [name, { written }] of batchers) {
    console.log(`  ${name || 'claims'}: ${written.batches} batches, ${(written.requests / written.batches).toFixed(1)} a batch, ${(written.ms / written.batches).toFixed(2)} ms a batch`);
  }
}

interface Throughput {
  cycles: number;
  seconds: number;
  duplicates: number;
  lost: number;
  /** BENCH_DEBUG: where the CPU went, per cycle. */
  cpu?: string;
}

async function verify(sql: Sql, ids: number[], claimed: Map<number, number>, seconds: number): Promise<Throughput> {
  const [row] = await sql<{ done: number }[]>`
    select count(*)::int as done from workflow_tasks where id in ${sql(ids)} and status = ${STATUS.success} and attempt = 1`;
  let duplicates = 0;
  for (const n of claimed.values()) duplicates += n - 1;
  return { cycles: claimed.size, seconds, duplicates, lost: ids.length - (row?.done ?? 0) };
}

/** `perClaim`: tasks each claimer takes at once (a runner that runs that many at a time); it reports them together. */
async function sqlLevel(url: string, perClaim: number): Promise<Throughput> {
  const sql = createSql(url, { max: 8 });
  const log = pino({ level: 'silent' });
  const wakeups = new TaskWakeups(sql, log, { pollMs: 0 });
  try {
    const repo = await ensureRepository(sql);
    const ids = await seedTasks(sql, repo, SQL_TASKS);
    if (ANALYZE) await analyzeTasks(sql);
    const name = `bench-sql-${perClaim}`;
    const [runner] = await sql<{ id: number }[]>`insert into runners (name, token_hash) values (${name}, ${name}) returning id`;
    const claims = new Claims(sql, 60);
    const completions = new Completions(sql);
    const claimed = new Map<number, number>();
    const postmaster = await postmasterPid(sql as never);
    const cpuBefore = await cpuSample(postmaster);
    const profiling = await startProfile();
    const started = performance.now();
    const claim = () => claimSeveralForRunner({ claims, wakeups }, { id: runner!.id, labels: [] }, perClaim, 0);
    await Promise.all(Array.from({ length: 8 }, async () => {
      for (let got = await claim(); got.length > 0; got = await claim()) {
        for (const { task } of got) claimed.set(task.id, (claimed.get(task.id) ?? 0) + 1);
        await Promise.all(got.map(({ task, token }) => reportStatus(sql, completions, task.id, token, { status: 'success' }, 60)));
      }
    }));
    const seconds = (performance.now() - started) / 1000;
    await profiling.stop(`sql-${perClaim}`);
    if (process.env.BENCH_DEBUG) printBatches([...claims.byLabels, ['completions', completions.batcher]]);
    const cpu = cpuPerEvent(cpuBefore, await cpuSample(postmaster), claimed.size);
    return { ...await verify(sql, ids, claimed, seconds), cpu };
  } finally {
    await wakeups.close();
    await sql.end();
  }
}

/**
 * `several`: each runner claims up to 4 tasks and reports their statuses together, claiming the next ones in the
 * same request; `next`: one task at a time, each final status also claiming the next task; `apart`: a claim
 * request and a status request per task.
 */
async function httpLevel(url: string, mode: 'several' | 'next' | 'apart'): Promise<Throughput> {
  const sql = createSql(url, { max: 10 });
  const server = await startRunnerServer(sql, { pollMs: 0 });
  try {
    const repo = await ensureRepository(sql);
    const ids = await seedTasks(sql, repo, HTTP_TASKS);
    if (ANALYZE) await analyzeTasks(sql);
    const runners = await Promise.all(Array.from({ length: 16 }, (_, i) => registerRunner(server.url, `bench-http-${i}`)));
    const claimed = new Map<number, number>();
    const postmaster = await postmasterPid(sql as never);
    const cpuBefore = await cpuSample(postmaster);
    const profiling = await startProfile();
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    const started = performance.now();
    let finished = 0;
    await Promise.all(runners.map(async (runner) => {
      if (mode === 'several') {
        for (let tasks = await runner.claimSeveral(0, HTTP_TASKS_PER_REQUEST); tasks.length > 0;) {
          for (const task of tasks) claimed.set(task.id, (claimed.get(task.id) ?? 0) + 1);
          const done = await runner.finishSeveral(tasks.map((task) => ({ task, status: 'success' })), { waitSeconds: 0, maxTasks: HTTP_TASKS_PER_REQUEST });
          check(done.statuses.every((s) => 'status' in s), 'every status recorded', done.statuses);
          tasks = done.tasks;
          finished = performance.now();
        }
        return;
      }
      for (let task = await runner.claim(0); task;) {
        claimed.set(task.id, (claimed.get(task.id) ?? 0) + 1);
        if (mode === 'next') {
          task = await runner.finishAndClaim(task, 'success', { waitSeconds: 0 });
        } else {
          await runner.finish(task, 'success');
          task = await runner.claim(0);
        }
        finished = performance.now();
      }
    }));
    await profiling.stop(`http-${mode}`);
    loopDelay.disable();
    if (process.env.BENCH_DEBUG) {
      const ms = (ns: number) => (ns / 1e6).toFixed(1);
      console.log(`  the service's event loop delay: p50 ${ms(loopDelay.percentile(50))} ms, p99 ${ms(loopDelay.percentile(99))} ms, max ${ms(loopDelay.max)} ms`);
    }
    if (process.env.BENCH_DEBUG) printBatches([...server.runners.claims.byLabels, ['completions', server.runners.completions.batcher]]);
    const cpu = cpuPerEvent(cpuBefore, await cpuSample(postmaster), claimed.size);
    return { ...await verify(sql, ids, claimed, (finished - started) / 1000), cpu };
  } finally {
    await server.close();
    await sql.end();
  }
}

/** `npm run bench:claim -- sql` (or `http`, `wakeup`) measures that part alone, without graphile-worker beside it. */
const only = process.argv[2];
const db = await openBenchDatabase();
try {
  console.log(`plue-trigger claim bench on ${db.where}; ${os.cpus().length} CPU(s), Node ${process.version}; ` +
    `statistics ${ANALYZE ? 'analyzed after seeding' : 'never analyzed'}; graphile-worker ${GRAPHILE_VERSION} on the same server`);
  const ms = (samples: number[], p: number) => `${percentile(samples, p).toFixed(1)} ms`;
  if (!only || only === 'wakeup') {
    const latency = await wakeupLatency(db.url);
    const graphileWake = only ? null : await graphileLatency(db.url, WAKEUP_SAMPLES);
    console.log(`wake-up latency (insert → waiting runner holds the task, HTTP, ${latency.length} samples): ` +
      `p50 ${ms(latency, 50)}, p95 ${ms(latency, 95)}` + (graphileWake ? ` vs graphile-worker enqueue → task start p50 ${ms(graphileWake, 50)}, ` +
      `p95 ${ms(graphileWake, 95)}: p50 ${(percentile(latency, 50) / percentile(graphileWake, 50)).toFixed(2)}x` : ''));
  }
  const graphile = only ? null : await graphileThroughput(db.url, SQL_TASKS, 8, () => cpuSample(db.postmaster));
  const graphileRate = graphile ? graphile.jobs / graphile.seconds : null;
  if (graphile && process.env.BENCH_DEBUG) console.log(`graphile-worker ${cpuPerEvent(graphile.samples[0]!, graphile.samples[1]!, graphile.jobs)}`);
  if (graphile) {
    // For context, not the anchor: graphile-worker with its own batching, as plue-trigger's first lines batch.
    const batched = await graphileThroughput(db.url, SQL_TASKS, 8, undefined, { localQueue: 32, completeJobBatchDelay: 0 });
    console.log(`graphile-worker with its own batching (local queue of 32, completions batched), concurrency 8: ` +
      `${Math.round(batched.jobs / batched.seconds)} jobs/s (for context; the ratios below are to the default above)`);
  }
  const levels = [
    ['SQL level, 8 connections', `8 claimers taking up to ${SQL_TASKS_PER_CLAIM} tasks a claim; `, (u: string) => sqlLevel(u, SQL_TASKS_PER_CLAIM)],
    ['SQL level, 8 connections, one task a claim', '', (u: string) => sqlLevel(u, 1)],
    ['HTTP, 16 runners', `up to ${HTTP_TASKS_PER_REQUEST} tasks a request (claim, statuses with next); `, (u: string) => httpLevel(u, 'several')],
    ['HTTP, 16 runners, one task a request (status with next)', '', (u: string) => httpLevel(u, 'next')],
    ['HTTP, 16 runners, claim and status as two requests', '', (u: string) => httpLevel(u, 'apart')],
  ] as const;
  for (const [label, how, run] of levels) {
    if (only && !label.toLowerCase().startsWith(only)) continue;
    const r = await run(db.url);
    const rate = r.cycles / r.seconds;
    console.log(`${label}: ${Math.round(rate)} cycles/s` + (graphileRate ? ` vs graphile-worker ${Math.round(graphileRate)} jobs/s on the same server: ` +
      `${(rate / graphileRate).toFixed(2)}x` : '') + ` (${how}${r.cycles} cycles in ${r.seconds.toFixed(2)} s; duplicate claims: ${r.duplicates}; lost tasks: ${r.lost})`);
    if (process.env.BENCH_DEBUG && r.cpu) console.log(`  ${r.cpu}`);
    check(r.duplicates === 0 && r.lost === 0, `${label}: every task is claimed and completed exactly once`, r);
  }
} finally {
  await db.cleanup();
}
