// npm run bench:cancel — how long a cancel takes to reach a running task.
//
//   The service (default lease of 60 s) and a reference runner that holds a task whose workflow runs `sleep 600`;
//   the run is cancelled through the HTTP API. Measured from just before the cancel request until
//     - the runner's `cancelled` status report reaches the server (the runner talks through a recording proxy),
//     - the run shows `cancelled` (its `plue_runs` notification, sent when that report committed).
//   Without the held heartbeat the runner would hear of a cancel at its next periodic one: up to 20 s later.
//
// Uses DATABASE_URL or an embedded PostgreSQL in a temporary folder. BENCH_QUICK=1: a few cancels. Fails when a
// task does not end cancelled.
import { EventEmitter } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { createSql } from '../server/adapters/db/connect.js';
import { RUNS_CHANNEL } from '../server/adapters/db/rollup.js';
import type { RunFinishedMessage } from '../server/adapters/db/rollup.js';
import { loadConfig } from '../server/config.js';
import { RunnerClient } from '../server/runner/client.js';
import type { Outcome } from '../server/runner/execute-task.js';
import { Runner } from '../server/runner/runner.js';
import { createApiToken } from '../server/services/api/tokens.js';
import { startService } from '../server/services/service.js';
import { commitFiles, createBareRepo, createWorkRepo, push } from '../test/git/fixtures.js';
import { benchDatabase, benchSize, check, recordingProxy, summary, within } from './support.js';

const CANCELS = benchSize('BENCH_CANCELS', 30, 3);

const WORKFLOW = `from plue import workflow


@workflow(name="Sleeper", on="manual")
async def sleeper(ctx):
    await ctx.run("echo sleeping; sleep 600")
`;

const db = await benchDatabase();
const reposDir = path.join(db.dataDir, 'repos');
const work = await createWorkRepo(await createBareRepo(path.join(reposDir, 'acme', 'app.git')));
await commitFiles(work, { '.plue/workflows/sleeper.py': WORKFLOW }, 'sleeper');
await push(work, 'main');
const config = loadConfig({
  DATABASE_URL: db.url, PLUE_DATA_DIR: path.join(db.dataDir, 'data'), PLUE_REPOS_DIR: reposDir, PLUE_DEMO: '0', PORT: '0',
}, process.cwd());
const service = await startService(config, pino({ level: 'silent' }), { watch: false });
const sql = createSql(db.url, { max: 2 });
// Every request the runner sends, timed as it reaches the server.
const { proxy, arrival } = await recordingProxy(service.url);
let runner: Runner | null = null;
try {
  const { token: apiToken } = await createApiToken(sql, { scope: 'repo:acme/app', name: 'bench' });
  const api = (url: string, body: unknown) => fetch(`${service.url}/api/repos/acme/app${url}`, {
    method: 'POST', headers: { authorization: `Bearer ${apiToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
  });

  const finishedRuns = new EventEmitter();
  await sql.listen(RUNS_CHANNEL, (payload) => {
    const message = JSON.parse(payload) as RunFinishedMessage;
    finishedRuns.emit(`${message.run_id}`, message.status, performance.now());
  });

  const outcomes: Outcome[] = [];
  const { token } = await RunnerClient.register(service.url, service.runners.settings.registrationToken, { name: 'bench-cancel', labels: [] });
  runner = new Runner({ client: new RunnerClient(proxy.url, token), waitSeconds: 30, onTaskEnd: (_task, outcome) => outcomes.push(outcome) });
  runner.start();

  const toReport: number[] = [];
  const toRun: number[] = [];
  for (let i = 0; i < CANCELS; i++) {
    const sleeping = arrival((r) => r.path.endsWith('/logs') && r.body.includes('"sleeping"'));
    const dispatched = await api('/workflows/sleeper.py/dispatches', { ref: 'main' });
    const { run_id: runId } = (await dispatched.json()) as { run_id: number };
    check(dispatched.status === 201 && runId, 'a dispatch starts a run', dispatched.status);
    await within(60_000, 'the task to start its sleep', sleeping);
    const reported = arrival((r) => r.path.endsWith('/status') && r.body.includes('"cancelled"'));
    const finished = new Promise<[string, number]>((resolve) => finishedRuns.once(`${runId}`, (status: string, at: number) => resolve([status, at])));
    const asked = performance.now();
    const cancel = await api(`/runs/${runId}/cancel`, {});
    check(cancel.status === 202, 'the cancel is accepted', await cancel.text());
    toReport.push((await within(30_000, 'the runner to report cancelled', reported)) - asked);
    const [status, at] = await within(30_000, 'the run to finish', finished);
    check(status === 'cancelled', `run ${runId} ends cancelled`, status);
    toRun.push(at - asked);
  }
  await within(30_000, 'every task to end', (async () => {
    while (outcomes.length < CANCELS) await sleep(10);
  })());
  check(outcomes.every((o) => o === 'cancelled'), 'every task ends cancelled', outcomes);

  console.log(`plue-trigger cancel bench; ${os.cpus().length} CPU(s), Node ${process.version}; lease 60 s (a periodic heartbeat every 20 s)`);
  console.log(summary('cancel request → the runner\'s cancelled status reaches the server', toReport));
  console.log(summary('cancel request → the run shows cancelled', toRun));
} finally {
  await runner?.shutdown(0);
  await proxy.close();
  await service.close();
  await sql.end();
  await db.stop();
}
