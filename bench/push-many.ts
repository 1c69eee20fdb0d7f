// bench:push's start-up part: many repositories on one host (10,000; BENCH_QUICK=1: 300). The service runs as its
// own process (`plue-trigger serve`) so that its memory and CPU time are its own; the database is the benchmark's
// (a separate process, not counted). Prints the first start, the restart with catch-up of the repositories pushed
// while it was down, its memory, its CPU time while idle and its inotify watches, each with its target.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSql } from '../server/adapters/db/connect.js';
import { mapLimit } from '../server/core/async/map-limit.js';
import { cpuMs, memoryMiB, startServiceProcess, watchesAndFiles } from './service-process.js';
import type { ServiceProcess } from './service-process.js';
import { SyntheticRepositories } from './synthetic-repos.js';
import type { SyntheticRepository } from './synthetic-repos.js';
import { benchSize, check, QUICK, within } from './support.js';

const run = promisify(execFile);
const REPOSITORIES = benchSize('BENCH_REPOS', 10_000, 300);
const PUSHED_EVERY = 10;
const WORKFLOWS = 2;
const IDLE_SECONDS = benchSize('BENCH_IDLE_SECONDS', 10, 3);
const GIVE_UP_MS = 600_000;

export async function manyRepositories(url: string, dataDir: string): Promise<void> {
  const reposDir = path.join(dataDir, 'many-repos');
  const maker = new SyntheticRepositories(WORKFLOWS);
  const t0 = performance.now();
  // Every third repository has its refs packed (as after `git gc`), with a tag beside main.
  const repos = await mapLimit(Array.from({ length: REPOSITORIES }, (_, i) => i), 16, (i) =>
    maker.create(path.join(reposDir, `owner${i % 100}`, `repo${i}.git`), `repo${i}`, i % 3 === 0));
  await checkWithGit(repos[0]!, repos[3]!);
  console.log(`  (${REPOSITORIES} repositories made in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${WORKFLOWS} workflow files each)`);

  const sql = createSql(url, { max: 2 });
  const env = {
    DATABASE_URL: url, PLUE_DATA_DIR: path.join(dataDir, 'many-service'), PLUE_REPOS_DIR: reposDir, PLUE_DEMO: '0', PORT: '0',
    PLUE_HOOK_FEEDBACK_MS: '0', PLUE_LOG_LEVEL: 'info',
  };
  // This part's repositories only: the other parts of bench:push share the database.
  const mine = sql`select id from repositories where path like ${`${reposDir}/%`}`;
  try {
    // First start: every repository is new (its refs are the baseline) and its workflows are described.
    let started = performance.now();
    let service = startServiceProcess(env);
    await within(GIVE_UP_MS, 'the first start', service.serving);
    const firstServing = performance.now() - started;
    await waitFor(`the workflows of ${REPOSITORIES} repositories described`, async () =>
      (await sql<{ n: number }[]>`select count(distinct repository_id)::int as n from workflow_definitions where repository_id in (${mine})`)[0]!.n === REPOSITORIES);
    const firstDescribed = performance.now() - started;
    const firstMemory = await memoryMiB(service.pid);
    const watches = await watchesAndFiles(service.pid);
    const firstIdle = await idleCpu(service);
    const firstSettled = await memoryMiB(service.pid);
    await service.stop();

    // While it is down, every 10th repository is pushed to.
    const pushed = repos.filter((_, i) => i % PUSHED_EVERY === 0);
    const commits = await mapLimit(pushed, 16, (repo) => maker.push(repo, `change of ${repo.label}`));
    await checkWithGit(pushed[0]!, pushed[1]!);

    started = performance.now();
    service = startServiceProcess(env);
    await within(GIVE_UP_MS, 'the restart', service.serving);
    const restartServing = performance.now() - started;
    await waitFor(`the runs of the ${pushed.length} repositories pushed while the service was down`, async () =>
      (await sql<{ n: number }[]>`select count(*)::int as n from workflow_runs where commit_sha = any(${commits})`)[0]!.n === pushed.length * WORKFLOWS);
    const caughtUp = performance.now() - started;
    const restartMemory = await memoryMiB(service.pid);
    const restartIdle = await idleCpu(service);
    const restartSettled = await memoryMiB(service.pid);
    await service.stop();
    const [extra] = await sql<{ n: number }[]>`
      select count(*)::int as n from workflow_runs where repository_id in (${mine}) and not (commit_sha = any(${commits}))`;
    check(extra?.n === 0, 'runs for commits nobody pushed (the baseline must start nothing)', { runs: extra?.n });

    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const n = REPOSITORIES.toLocaleString('en');
    const target = (figure: string, goal: string) => `${figure}${QUICK ? '' : ` (target ${goal})`}`;
    console.log(target(`many repositories, first start with ${n}: serving after ${s(firstServing)}, workflows of all described after ${s(firstDescribed)}`, '≤ 30 s'));
    console.log(target(`many repositories, restart with catch-up of ${pushed.length.toLocaleString('en')} pushed while down: serving after ${s(restartServing)}, their ${pushed.length * WORKFLOWS} runs created after ${s(caughtUp)}`, '≤ 10 s'));
    const mib = (m: { rss: number }) => `${m.rss.toFixed(0)} MiB`;
    console.log(target(`many repositories, service RSS (its own process; PostgreSQL not counted): first start ${mib(firstMemory)} when done, ${mib(firstSettled)} after ${IDLE_SECONDS} s idle, peak ${firstSettled.peak.toFixed(0)} MiB; restart ${mib(restartMemory)} when caught up, ${mib(restartSettled)} after ${IDLE_SECONDS} s idle, peak ${restartSettled.peak.toFixed(0)} MiB`, '≤ 300 MiB'));
    console.log(target(`many repositories, idle CPU: ${firstIdle.toFixed(0)} ms over ${IDLE_SECONDS} s after the first start, ${restartIdle.toFixed(0)} ms after the restart`, '≈ 0'));
    console.log(`many repositories, file watching: ${watches.inotifyWatches.toLocaleString('en')} inotify watches (${(watches.inotifyWatches / REPOSITORIES).toFixed(1)} per repository) in ${watches.inotifyInstances} inotify instance(s), ${watches.fds} open files`);
  } finally {
    await sql.end();
  }
}

/** CPU time the service spends over IDLE_SECONDS with nothing happening. */
async function idleCpu(service: ServiceProcess): Promise<number> {
  const before = await cpuMs(service.pid);
  await sleep(IDLE_SECONDS * 1000);
  return (await cpuMs(service.pid)) - before;
}

async function waitFor(what: string, done: () => Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + GIVE_UP_MS; !(await done());) {
    check(Date.now() < deadline, `${what}: not after ${GIVE_UP_MS / 1000} s`);
    await sleep(50);
  }
}

/** The hand-written repositories are real ones: git agrees on their refs and finds nothing wrong. */
async function checkWithGit(...repos: SyntheticRepository[]): Promise<void> {
  for (const repo of repos) {
    const git = (...args: string[]) => run('git', ['--git-dir', repo.gitDir, ...args], { env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' } });
    await git('fsck', '--strict', '--no-progress');
    const { stdout } = await git('rev-parse', 'refs/heads/main');
    check(stdout.trim() === repo.head, `git reads main of ${repo.gitDir} as written`, { git: stdout.trim(), written: repo.head });
  }
}
