// Schedules, measured: from a scheduled instant to a runner holding the run's task (a claim already waiting, as
// runners wait), for many workflows on `* * * * *`. Full: the real clock for BENCH_SCHEDULE_MINUTES minutes.
// BENCH_QUICK=1: the service's clock is moved to two seconds before each minute, so that a round takes seconds;
// the path from the instant to the task is the same.
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../server/config.js';
import { RunnerClient } from '../server/runner/client.js';
import type { Task } from '../server/runner/protocol.js';
import { startService } from '../server/services/service.js';
import { commitFiles, createBareRepo, createWorkRepo, push } from '../test/git/fixtures.js';
import { QUICK, benchDatabase, benchSize, check, summary, within } from './support.js';

const WORKFLOWS = benchSize('BENCH_SCHEDULE_WORKFLOWS', 20, 5);
const MINUTES = benchSize('BENCH_SCHEDULE_MINUTES', 3, 2);
const REGISTRATION = 'bench-schedule';

const clock = { offset: 0, now: () => new Date(Date.now() + clock.offset) };
const db = await benchDatabase();
const reposDir = path.join(db.dataDir, 'repos');
const config = loadConfig({
  DATABASE_URL: db.url, PLUE_DATA_DIR: path.join(db.dataDir, 'data'), PLUE_REPOS_DIR: reposDir, PLUE_DEMO: '0', PORT: '0',
  PLUE_RUNNER_REGISTRATION_TOKEN: REGISTRATION,
}, process.cwd());
const service = await startService(config, pino({ level: 'silent' }), { clock: clock.now });
try {
  const work = await createWorkRepo(await createBareRepo(path.join(reposDir, 'acme', 'cron.git')));
  const files = Object.fromEntries(Array.from({ length: WORKFLOWS }, (_, i) => [`.plue/workflows/tick${i}.py`,
    `from plue import workflow, schedule\n\n\n@workflow(name="Tick ${i}", on=schedule(cron="* * * * *"))\nasync def tick(ctx):\n    pass\n`]));
  await commitFiles(work, files, 'ticks');
  await push(work, 'HEAD:refs/heads/main');
  await within(60_000, 'the schedules to be known', (async () => {
    while ((await service.db.sql`select 1 from workflow_schedules`).length < WORKFLOWS) {
      await service.registry.scan('watcher');
      await new Promise((r) => setTimeout(r, 100));
    }
  })());

  const { token } = await RunnerClient.register(service.url, REGISTRATION, { name: 'bench', labels: [], version: 'bench' });
  const runner = new RunnerClient(service.url, token);
  const toTask: number[] = [];
  const toRow: number[] = [];
  let stop = false;
  // The clock's offset in force at each instant (quick mode moves it each round).
  const offsets = new Map<string, number>();
  const realTime = (iso: string) => Date.parse(iso) - (offsets.get(iso) ?? 0);
  // As many claims waiting as there are workflows, as a fleet of idle runners would hold.
  const claimers = Array.from({ length: WORKFLOWS }, async () => {
    while (!stop) {
      const task: Task | null = await runner.claim(5);
      if (task === null) continue;
      const held = Date.now();
      const instant = realTime(String(task.event.payload.scheduled_at));
      toTask.push(held - instant);
      await runner.finish(task, 'success');
    }
  });

  for (let minute = 0; minute < MINUTES; minute++) {
    if (QUICK) {
      const now = clock.now();
      const next = Math.ceil((now.getTime() + 1) / 60_000) * 60_000;
      clock.offset += next - 2_000 - now.getTime();
      offsets.set(new Date(next).toISOString(), clock.offset);
    }
    const want = (minute + 1) * WORKFLOWS;
    await within(QUICK ? 30_000 : 90_000, `the runs of minute ${minute + 1}`, (async () => {
      while (toTask.length < want) await new Promise((r) => setTimeout(r, 20));
    })());
  }
  stop = true;
  await Promise.all(claimers);

  const rows = await service.db.sql<{ created_at: Date; scheduled_at: string }[]>`
    select t.created_at, e.payload->>'scheduled_at' as scheduled_at
    from workflow_tasks t join workflow_jobs j on j.id = t.job_id join workflow_runs r on r.id = j.run_id
    join events e on e.id = r.event_id where e.kind = 'schedule'`;
  for (const row of rows) toRow.push(row.created_at.getTime() - realTime(row.scheduled_at));
  const [dupes] = await service.db.sql<{ n: number }[]>`
    select count(*)::int as n from (select 1 from workflow_runs group by workflow_name, event_payload->>'scheduled_at' having count(*) > 1) d`;
  check(dupes?.n === 0, 'each instant of each schedule started one run', dupes);
  const how = QUICK ? 'the service clock moved to just before each minute' : 'the real clock';
  console.log(`schedules: ${WORKFLOWS} workflows on "* * * * *", ${MINUTES} minutes (${how})`);
  console.log(summary('  scheduled instant → the task written (its created_at)', toRow));
  console.log(summary('  scheduled instant → a waiting runner holds the task', toTask));
} finally {
  await service.close();
  await db.stop();
}
