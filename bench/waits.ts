// npm run bench:waits — how long an event raised for a run takes to reach the workflow waiting for it.
//
//   Two replicas of the service on one database: a reference runner is connected to one, and the events are raised
//   through the other's API, so the event travels the way it does between replicas (`plue_run_events`). The
//   workflow loops on `ctx.wait_for("go")`. Each round waits until the wait is on record (the runner's request is
//   held by the server), raises the event, and measures from just before the raise request until
//     - the raise is answered (202: recorded and given to the wait),
//     - the workflow's next `wait_for` reaches the server: `wait_for` returned with the payload, the workflow
//       printed it and asked again (the runner talks through a recording proxy).
//
// Uses DATABASE_URL or an embedded PostgreSQL in a temporary folder. BENCH_QUICK=1: a few rounds.
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { createSql } from '../server/adapters/db/connect.js';
import { loadConfig } from '../server/config.js';
import { RunnerClient } from '../server/runner/client.js';
import { Runner } from '../server/runner/runner.js';
import { createApiToken } from '../server/services/api/tokens.js';
import { startService } from '../server/services/service.js';
import { commitFiles, createBareRepo, createWorkRepo, push } from '../test/git/fixtures.js';
import type { ProxiedRequest } from '../test/runners/flaky-proxy.js';
import { benchDatabase, benchSize, check, recordingProxy, summary, within } from './support.js';

const ROUNDS = benchSize('BENCH_WAITS', 50, 5);

const WORKFLOW = `from plue import workflow


@workflow(name="Waiter", on="manual")
async def waiter(ctx):
    for _ in range(${ROUNDS}):
        event = await ctx.wait_for("go", timeout=600)
        print("got", event["round"])
`;

const db = await benchDatabase();
const reposDir = path.join(db.dataDir, 'repos');
const work = await createWorkRepo(await createBareRepo(path.join(reposDir, 'acme', 'app.git')));
await commitFiles(work, { '.plue/workflows/waiter.py': WORKFLOW }, 'waiter');
await push(work, 'main');
const configFor = (name: string) => loadConfig({
  DATABASE_URL: db.url, PLUE_DATA_DIR: path.join(db.dataDir, name), PLUE_REPOS_DIR: reposDir, PLUE_DEMO: '0', PORT: '0',
  PLUE_RUNNER_REGISTRATION_TOKEN: 'bench-waits-registration',
}, process.cwd());
const raising = await startService(configFor('raising'), pino({ level: 'silent' }), { watch: false });
const running = await startService(configFor('running'), pino({ level: 'silent' }), { watch: false });
const sql = createSql(db.url, { max: 2 });
// Every request the runner sends, timed as it reaches the server.
const { proxy, arrival } = await recordingProxy(running.url);
let runner: Runner | null = null;
try {
  const { token: apiToken } = await createApiToken(sql, { scope: 'repo:acme/app', name: 'bench' });
  const api = (url: string, body: unknown) => fetch(`${raising.url}/api/repos/acme/app${url}`, {
    method: 'POST', headers: { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  const asksFor = (key: string) => (r: ProxiedRequest) => r.path.endsWith('/waits') && r.body.includes(`"wait_key":"${key}"`);

  const { token } = await RunnerClient.register(running.url, 'bench-waits-registration', { name: 'bench-waits', labels: [] });
  runner = new Runner({ client: new RunnerClient(proxy.url, token), waitSeconds: 30 });
  let nextAsk = arrival(asksFor('go#1'));
  runner.start();
  const dispatched = await api('/workflows/waiter.py/dispatches', { ref: 'main' });
  const { run_id: runId } = (await dispatched.json()) as { run_id: number };
  check(dispatched.status === 201 && runId, 'a dispatch starts a run', dispatched.status);

  const toAnswer: number[] = [];
  const toReturn: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    await within(60_000, `the workflow to ask for go#${round}`, nextAsk);
    await within(30_000, `wait go#${round} on record`, (async () => {
      for (;;) {
        const [row] = await sql`select 1 from run_waits where run_id = ${runId} and wait_key = ${`go#${round}`}`;
        if (row) return;
        await sleep(2);
      }
    })());
    nextAsk = arrival(round < ROUNDS ? asksFor(`go#${round + 1}`) : (r) => r.path.endsWith('/status') && r.body.includes('"success"'));
    const asked = performance.now();
    const raised = await api(`/runs/${runId}/events`, { name: 'go', payload: { round } });
    toAnswer.push(performance.now() - asked);
    const reply = (await raised.json()) as { delivered_to: { wait_key: string } | null };
    check(raised.status === 202 && reply.delivered_to?.wait_key === `go#${round}`, `the raise of round ${round} goes to the held wait`, reply);
    toReturn.push((await within(30_000, `wait_for of round ${round} to return`, nextAsk)) - asked);
  }
  await within(30_000, 'the run to end', nextAsk);

  console.log(`plue-trigger waits bench; ${os.cpus().length} CPU(s), Node ${process.version}; raised on one replica, the runner on another; ${ROUNDS} rounds`);
  console.log(summary('raise → its reply (recorded, given to the held wait)', toAnswer));
  console.log(summary('raise → wait_for returned (the next wait_for reaches the server)', toReturn));
} finally {
  await runner?.shutdown(0);
  await proxy.close();
  await running.close();
  await raising.close();
  await sql.end();
  await db.stop();
}
