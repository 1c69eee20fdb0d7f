// Webhooks, measured with a receiver on loopback: (1) from a run's end (the runner's finishing status report) to
// its `run` delivery arriving at an idle receiver, p50/p95; (2) deliveries per second the sender sustains, from
// many outbox rows (changes of different runs) to one fast receiver. Figures only; checks that each arrived once.
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../server/config.js';
import { RunnerClient } from '../server/runner/client.js';
import { createApiToken } from '../server/services/api/tokens.js';
import { startService } from '../server/services/service.js';
import { commitFiles, createBareRepo, createWorkRepo, push } from '../test/git/fixtures.js';
import { WebhookReceiver } from '../test/support/webhook-receiver.js';
import { benchDatabase, benchSize, check, summary, within } from './support.js';

const RUNS = benchSize('BENCH_WEBHOOK_RUNS', 100, 10);
const ROWS = benchSize('BENCH_WEBHOOK_ROWS', 20_000, 1_000);
const REGISTRATION = 'bench-webhooks';
const DEPLOY = 'from plue import workflow, manual\n\n\n@workflow(name="Deploy", on=manual())\nasync def deploy(ctx):\n    pass\n';

const db = await benchDatabase();
const reposDir = path.join(db.dataDir, 'repos');
const config = loadConfig({
  DATABASE_URL: db.url, PLUE_DATA_DIR: path.join(db.dataDir, 'data'), PLUE_REPOS_DIR: reposDir, PLUE_DEMO: '0', PORT: '0',
  PLUE_RUNNER_REGISTRATION_TOKEN: REGISTRATION, PLUE_WEBHOOK_ALLOW_PRIVATE: '1',
}, process.cwd());
const work = await createWorkRepo(await createBareRepo(path.join(reposDir, 'acme', 'app.git')));
await commitFiles(work, { '.plue/workflows/deploy.py': DEPLOY }, 'deploy');
await push(work, 'HEAD:refs/heads/main');
const service = await startService(config, pino({ level: 'silent' }));
const receiver = await WebhookReceiver.start();
try {
  const { token } = await createApiToken(service.db.sql, { scope: 'admin', readOnly: false, name: 'bench' });
  const api = async (method: string, route: string, body: unknown) => {
    const reply = await fetch(`${service.url}${route}`, {
      method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    check(reply.ok, `${method} ${route} answered ${reply.status}`, await reply.clone().text());
    return reply.json() as Promise<Record<string, unknown>>;
  };
  await within(30_000, 'the workflow to be known', (async () => {
    while ((await service.db.sql`select 1 from workflow_definitions where name = 'Deploy'`).length === 0) {
      await service.registry.scan('watcher');
      await new Promise((r) => setTimeout(r, 100));
    }
  })());
  await api('POST', '/api/repos/acme/app/hooks', { url: receiver.url, events: ['run'], secret: 'bench' });
  const runner = new RunnerClient(service.url, (await RunnerClient.register(service.url, REGISTRATION, { name: 'bench', labels: [] })).token);

  // (1) One run at a time, the receiver idle between them.
  const delays: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const run = await api('POST', '/api/repos/acme/app/workflows/deploy.py/dispatches', { ref: 'main' });
    const task = await runner.claim(5);
    check(task?.run.id === run.run_id, 'the runner holds the run just started', task?.run);
    await runner.running(task!, new Date());
    const ended = performance.now();
    await runner.finish(task!, 'success');
    const arrived = await within(30_000, 'the run\'s end to be delivered', (async () => {
      for (;;) {
        const d = receiver.received.find((r) => r.json.run?.id === run.run_id && r.json.action === 'success');
        if (d) return d.at;
        await new Promise((r) => setTimeout(r, 1));
      }
    })());
    delays.push(arrived - ended);
  }
  const ids = receiver.received.map((d) => d.headers['x-plue-delivery']);
  check(new Set(ids).size === ids.length, 'each delivery arrived once');

  // (2) Many changes at once: outbox rows of different runs (so order per run holds nothing back).
  const before = receiver.received.length;
  const [repo] = await service.db.sql<{ id: number }[]>`select id from repositories where name = 'app'`;
  const [anyRun] = await service.db.sql<{ id: number }[]>`select id from workflow_runs limit 1`;
  const started = performance.now();
  await service.db.sql`
    insert into outbox (repository_id, kind, run_id, subject_id, state)
    select ${repo!.id}, 'run', null, ${anyRun!.id}, 'success' from generate_series(1, ${ROWS})`;
  await within(600_000, 'every outbox row to be delivered', (async () => {
    while (receiver.received.length - before < ROWS) await new Promise((r) => setTimeout(r, 5));
  })());
  const seconds = (performance.now() - started) / 1000;
  const all = receiver.received.map((d) => d.headers['x-plue-delivery']);
  check(new Set(all).size === all.length, 'each delivery arrived once');

  console.log(`webhooks: ${RUNS} runs one after another, then ${ROWS} outbox rows at once, one receiver on loopback`);
  console.log(summary('  a run\'s end (finishing status report sent) → its `run` delivery at the receiver', delays));
  console.log(`  sender throughput: ${ROWS} deliveries in ${seconds.toFixed(2)} s = ${(ROWS / seconds).toFixed(0)} deliveries/s`);
} finally {
  await service.close();
  await receiver.close();
  await db.stop();
}
