// npm run bench:dashboard — how fast the dashboard's pages render, and how soon a log line reaches the browser.
//
//   The service (PLUE_PUBLIC_READ=1) and a repository with 1,000 runs: one from a real push, the rest seeded as
//   the trigger writes them. Measured:
//     - the server-side render time of the repository's page and of a run's page (with a 200-line log), through
//       Fastify's inject (routing, reads, rendering; no socket);
//     - the delay from a runner's log request being sent to the line appearing in a headless Chromium that shows
//       the run's page (the line's text node is timestamped in the page by a MutationObserver; same machine, same
//       clock).
//
// Uses DATABASE_URL or an embedded PostgreSQL in a temporary folder, and Chromium (PLUE_CHROMIUM or
// /usr/bin/chromium). BENCH_QUICK=1: fewer samples, the same 1,000 runs. Fails when a page is not a 200 or a line
// never shows.
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { createSql } from '../server/adapters/db/connect.js';
import { loadConfig } from '../server/config.js';
import { RunnerClient } from '../server/runner/client.js';
import { startService } from '../server/services/service.js';
import { commitFiles, createBareRepo, createWorkRepo, push } from '../test/git/fixtures.js';
import { seedTasks } from '../test/runners/support.js';
import { launchBrowser } from '../test/web/browser.js';
import { benchDatabase, benchSize, check, summary, within } from './support.js';

const RUNS = 1000;
const RENDERS = benchSize('BENCH_RENDERS', 200, 20);
const LINES = benchSize('BENCH_LOG_LINES', 100, 10);
const REGISTRATION_TOKEN = 'bench-dashboard';

const WORKFLOW = `from plue import workflow, push, schedule


@workflow(name="CI", on=[push(branches=["main"]), schedule(cron="0 3 * * *")])
async def ci(ctx):
    ctx.log("testing")
`;

const db = await benchDatabase();
const reposDir = path.join(db.dataDir, 'repos');
const work = await createWorkRepo(await createBareRepo(path.join(reposDir, 'acme', 'app.git')));
const config = loadConfig({
  DATABASE_URL: db.url, PLUE_DATA_DIR: path.join(db.dataDir, 'data'), PLUE_REPOS_DIR: reposDir, PLUE_DEMO: '0', PORT: '0',
  PLUE_PUBLIC_READ: '1', PLUE_RUNNER_REGISTRATION_TOKEN: REGISTRATION_TOKEN,
}, process.cwd());
await commitFiles(work, { 'README.md': 'app' }, 'first');
await push(work, 'main');
const service = await startService(config, pino({ level: 'silent' }));
const sql = createSql(db.url, { max: 2 });
const browser = await launchBrowser();
try {
  await commitFiles(work, { '.plue/workflows/ci.py': WORKFLOW }, 'ci');
  await push(work, 'main');
  const [repo] = await within(20_000, 'the push\'s run', (async () => {
    for (;;) {
      const rows = await sql<{ repository_id: number }[]>`select repository_id from workflow_runs limit 1`;
      if (rows.length > 0) return rows;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })());
  await seedTasks(sql, repo!.repository_id, RUNS - 1);
  const [{ n } = { n: 0 }] = await sql<{ n: number }[]>`select count(*)::int as n from workflow_runs`;
  check(n === RUNS, `the repository has ${RUNS} runs`, { n });

  // A running task with a 200-line log: the run page shows it, and its log follows live.
  const registered = await RunnerClient.register(service.url, REGISTRATION_TOKEN, { name: 'bench', labels: [] });
  const runner = new RunnerClient(service.url, registered.token);
  const task = await runner.claim(5);
  check(task !== null, 'the runner got a task');
  await runner.running(task, new Date());
  let offset = await runner.logs(task, 'ci', Array.from({ length: 200 }, (_, i) => `line ${i} of the log so far`), 0);
  const runPage = `/acme/app/runs/${task.run.id}`;

  const render = async (url: string) => {
    const samples: number[] = [];
    for (let i = 0; i < RENDERS + 5; i++) {
      const start = performance.now();
      const reply = await service.app.inject({ url });
      const ms = performance.now() - start;
      check(reply.statusCode === 200, `${url} answers 200`, { status: reply.statusCode, body: reply.body.slice(0, 300) });
      if (i >= 5) samples.push(ms); // the first few warm up the code and the database's caches
    }
    return samples;
  };
  const repositoryRenders = await render('/acme/app');
  const runRenders = await render(runPage);

  const page = await browser.newPage();
  await page.goto(`${service.url}${runPage}`);
  await page.evaluate(() => {
    const seen: Record<string, number> = {};
    (window as unknown as { seen: Record<string, number> }).seen = seen;
    const pre = document.querySelector('pre[data-stream]')!;
    new MutationObserver(() => {
      const at = Date.now();
      for (const line of (pre.textContent ?? '').split('\n')) if (line.startsWith('mark ') && !(line in seen)) seen[line] = at;
    }).observe(pre, { childList: true, characterData: true, subtree: true });
  });
  // The page's stream is connected once the line before the first sample shows.
  offset = await runner.logs(task, 'ci', ['mark warm-up'], offset);
  await page.waitForFunction(() => 'mark warm-up' in (window as unknown as { seen: Record<string, number> }).seen, undefined, { timeout: 20_000 });
  const delays: number[] = [];
  for (let i = 0; i < LINES; i++) {
    const marker = `mark ${i}`;
    const sent = Date.now();
    offset = await runner.logs(task, 'ci', [marker], offset);
    await page.waitForFunction((m) => m in (window as unknown as { seen: Record<string, number> }).seen, marker, { timeout: 20_000 });
    const shown = await page.evaluate((m) => (window as unknown as { seen: Record<string, number> }).seen[m]!, marker);
    delays.push(shown - sent);
  }
  await runner.finish(task, 'success');

  console.log(`dashboard: a repository with ${RUNS} runs, PostgreSQL ${process.env.DATABASE_URL ? 'from DATABASE_URL' : 'embedded'}`);
  console.log(summary('  repository page render (server side, inject)', repositoryRenders));
  console.log(summary('  run page render, 200-line log (server side, inject)', runRenders));
  console.log(summary('  log line sent by a runner → shown in Chromium', delays));
} finally {
  await browser.close();
  await sql.end({ timeout: 5 });
  await service.close();
  await db.stop();
}
