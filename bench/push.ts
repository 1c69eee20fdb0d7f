// npm run bench:push — push-to-waiting-task latency (hook, watcher), sustained push events per second,
// and start-up with 10,000 watched repositories (bench/push-many.ts; BENCH_QUICK=1: few samples, events and
// repositories). `npm run bench:push -- startup` runs one part. Prints
// numbers; fails when the pushes do not make the runs they should.
import { execFile, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { createSql } from '../server/adapters/db/connect.js';
import type { Sql } from '../server/adapters/db/connect.js';
import { TASKS_CHANNEL } from '../server/adapters/db/runs.js';
import { loadConfig } from '../server/config.js';
import { postReceiveHookScript } from '../server/services/hook-script.js';
import { BIN_PATH, startService } from '../server/services/service.js';
import type { Service } from '../server/services/service.js';
import { manyRepositories } from './push-many.js';
import { benchDatabase, benchSize, check, summary, within } from './support.js';
import { setTimeout as sleep } from 'node:timers/promises';

const run = promisify(execFile);
const GIT_ENV = {
  ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@plue.invalid', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@plue.invalid',
};
const git = async (gitDir: string, ...args: string[]) => (await run('git', ['--git-dir', gitDir, ...args], { env: GIT_ENV })).stdout.trim();
const LATENCY_SAMPLES = benchSize('BENCH_SAMPLES', 40, 5);
const THROUGHPUT_EVENTS = benchSize('BENCH_EVENTS', 400, 20);
const WORKFLOWS_PER_REPOSITORY = 10;
/** Past this a wait is a broken pipeline, not a slow one. */
const GIVE_UP_MS = 300_000;

function workflow(i: number): string {
  const filters = i % 2 === 0 ? 'branches=["main", "release/**"]' : 'branches=["main"], paths=["src/**", "!src/vendor/**"]';
  return `from plue import workflow, push\n\n@workflow(name="Workflow ${i}", on=[push(${filters})])\nasync def wf${i}(ctx):\n    await ctx.run("make test-${i}")\n`;
}

/** A bare repository with 10 workflow files on main; returns its git dir and main's commit. */
async function createRepository(reposDir: string, owner: string, name: string, workflows = WORKFLOWS_PER_REPOSITORY): Promise<{ gitDir: string; head: string }> {
  const gitDir = path.join(reposDir, owner, `${name}.git`);
  await mkdir(gitDir, { recursive: true });
  await git(gitDir, 'init', '-q', '--bare', '--initial-branch=main');
  const work = `${gitDir}-work`;
  await mkdir(path.join(work, '.plue', 'workflows'), { recursive: true });
  for (let i = 0; i < workflows; i++) await writeFile(path.join(work, '.plue', 'workflows', `wf${i}.py`), workflow(i));
  await mkdir(path.join(work, 'src'), { recursive: true });
  await writeFile(path.join(work, 'src', 'app.py'), 'print("hello")\n');
  await run('git', ['-C', work, 'init', '-q', '--initial-branch=main'], { env: GIT_ENV });
  await run('git', ['-C', work, 'add', '-A'], { env: GIT_ENV });
  await run('git', ['-C', work, 'commit', '-q', '-m', 'init'], { env: GIT_ENV });
  await run('git', ['-C', work, 'push', '-q', gitDir, 'main'], { env: GIT_ENV });
  return { gitDir, head: await git(gitDir, 'rev-parse', 'main') };
}

/** New commits on top of `parent`, each changing src/app.py, made with plumbing (no work tree). */
async function makeCommits(gitDir: string, parent: string, count: number): Promise<string[]> {
  const commits: string[] = [];
  let previous = parent;
  const baseTree = await git(gitDir, 'rev-parse', `${parent}^{tree}`);
  const src = await git(gitDir, 'rev-parse', `${parent}:src`);
  for (let i = 0; i < count; i++) {
    const blob = (await run('sh', ['-c', `printf 'print(${i})\\n' | git --git-dir '${gitDir}' hash-object -w --stdin`], { env: GIT_ENV })).stdout.trim();
    const srcTree = (await run('sh', ['-c', `git --git-dir '${gitDir}' ls-tree ${src} | sed 's/ blob [0-9a-f]*\\tapp.py/ blob ${blob}\\tapp.py/' | git --git-dir '${gitDir}' mktree`], { env: GIT_ENV })).stdout.trim();
    const tree = (await run('sh', ['-c', `git --git-dir '${gitDir}' ls-tree ${baseTree} | sed 's/ tree [0-9a-f]*\\tsrc$/ tree ${srcTree}\\tsrc/' | git --git-dir '${gitDir}' mktree`], { env: GIT_ENV })).stdout.trim();
    previous = await git(gitDir, 'commit-tree', tree, '-p', previous, '-m', `change ${i}`);
    commits.push(previous);
  }
  return commits;
}

/** Resolves with the time a task for `repositoryId` is announced after `start()` runs. */
function taskLatency(listener: Sql): (start: () => Promise<void>) => Promise<number> {
  let waiting: ((at: number) => void) | null = null;
  void listener.listen(TASKS_CHANNEL, () => { waiting?.(performance.now()); waiting = null; });
  return async (start) => {
    const announced = new Promise<number>((resolve) => { waiting = resolve; });
    const t0 = performance.now();
    await start();
    return (await within(30_000, 'a waiting task after a ref update', announced)) - t0;
  };
}

async function startBenchService(url: string, dataDir: string, reposDir: string, watch: boolean): Promise<Service> {
  // No push feedback: the hook's figures stay those of delivering (bench:pushfeedback measures the wait for the decision).
  const config = loadConfig({
    DATABASE_URL: url, PLUE_DATA_DIR: dataDir, PLUE_REPOS_DIR: reposDir, PLUE_DEMO: '0', PORT: '0', PLUE_HOOK_FEEDBACK_MS: '0',
  }, process.cwd());
  return startService(config, pino({ level: 'silent' }), { watch });
}

async function latency(url: string, dataDir: string): Promise<void> {
  const reposDir = path.join(dataDir, 'latency-repos');
  const repo = await createRepository(reposDir, 'bench', 'latency');
  const listener = createSql(url, { max: 1 });
  const measure = taskLatency(listener);
  for (const mode of ['hook', 'hook-node', 'hook-request', 'watcher'] as const) {
    const service = await startBenchService(url, path.join(dataDir, mode), reposDir, mode === 'watcher');
    const hookFile = path.join(dataDir, `${mode}-post-receive`);
    const hookOptions = { binPath: BIN_PATH, serverUrl: service.url, hookTokenFile: service.hookTokenFile };
    await writeFile(hookFile, postReceiveHookScript(hookOptions, mode === 'hook-node' ? 'node' : 'fastest'), { mode: 0o755 });
    const hookEnv = { ...process.env, GIT_DIR: repo.gitDir };
    const commits = await makeCommits(repo.gitDir, await git(repo.gitDir, 'rev-parse', 'main'), LATENCY_SAMPLES + 3);
    const samples: number[] = [];
    const hookProcess: number[] = [];
    let previous = await git(repo.gitDir, 'rev-parse', 'main');
    for (const [i, commit] of commits.entries()) {
      const ms = await measure(async () => {
        await git(repo.gitDir, 'update-ref', 'refs/heads/main', commit, previous);
        if (mode === 'hook' || mode === 'hook-node') {
          const h0 = performance.now();
          await deliverHook(hookFile, hookEnv, `${previous} ${commit} refs/heads/main\n`);
          hookProcess.push(performance.now() - h0);
        }
        if (mode === 'hook-request') {
          await fetch(`${service.url}/api/hooks/post-receive`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${service.hookToken}` },
            body: JSON.stringify({ repository_path: repo.gitDir, updates: [{ before: previous, after: commit, ref: 'refs/heads/main' }] }),
          });
        }
      });
      previous = commit;
      if (i >= 3) samples.push(ms); // the first ones warm caches and connections
      await sleep(30);
    }
    if (mode === 'hook' || mode === 'hook-node') console.log(summary(`  the ${mode === 'hook' ? 'bash' : 'node'} hook process alone (start, deliver, exit)`, hookProcess.slice(3)));
    const label = {
      hook: 'through the installed post-receive hook (bash; its process start included)',
      'hook-node': 'through `plue-trigger hook post-receive` (the hook for https addresses; a node process start included)',
      'hook-request': 'through the hook endpoint (the HTTP request the hook makes, without its process start)',
      watcher: 'through the watcher',
    }[mode];
    console.log(summary(`ref update → waiting task, ${label}`, samples));
    await service.close();
  }
  await listener.end();
}

function deliverHook(hookFile: string, env: NodeJS.ProcessEnv, input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(hookFile, [], { env, cwd: env.GIT_DIR, stdio: ['pipe', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', () => resolve());
    child.stdin.end(input);
  });
}

/**
 * Pushes one after another to one repository, as fast as they come: each moves the ref (one long-lived
 * `git update-ref --stdin`, so that git start-up is not what is measured) and is delivered as its hook would.
 * Counts events recorded and triggered per second.
 */
async function throughput(url: string, dataDir: string): Promise<void> {
  const reposDir = path.join(dataDir, 'throughput-repos');
  const repo = await createRepository(reposDir, 'bench', 'busy');
  const service = await startBenchService(url, path.join(dataDir, 'throughput'), reposDir, false);
  const commits = await makeCommits(repo.gitDir, repo.head, THROUGHPUT_EVENTS);
  const updater = refUpdater(repo.gitDir);
  const t0 = performance.now();
  let before = repo.head;
  for (const after of commits) {
    await updater.update('refs/heads/main', after, before);
    const response = await service.app.inject({
      method: 'POST', url: '/api/hooks/post-receive', headers: { authorization: `Bearer ${service.hookToken}` },
      payload: { repository_path: repo.gitDir, updates: [{ before, after, ref: 'refs/heads/main' }] },
    });
    if (response.statusCode !== 202) throw new Error(`hook delivery failed: ${response.body}`);
    before = after;
  }
  const delivered = (performance.now() - t0) / 1000;
  await waitNoPending(service.db.sql);
  const seconds = (performance.now() - t0) / 1000;
  updater.close();
  const [events] = await service.db.sql<{ n: number }[]>`
    select count(*)::int as n from events e join repositories r on r.id = e.repository_id where r.name = 'busy' and e.status = 'processed'`;
  const [runs] = await service.db.sql<{ n: number }[]>`
    select count(*)::int as n from workflow_runs w join repositories r on r.id = w.repository_id where r.name = 'busy'`;
  // Every workflow of the repository matches a push to main that changes src/app.py.
  check(events?.n === THROUGHPUT_EVENTS && runs?.n === THROUGHPUT_EVENTS * WORKFLOWS_PER_REPOSITORY,
    `${THROUGHPUT_EVENTS} pushes should make as many processed events and ${WORKFLOWS_PER_REPOSITORY} runs each`, { events: events?.n, runs: runs?.n });
  console.log(`sustained push events: ${(THROUGHPUT_EVENTS / seconds).toFixed(0)} events/s triggered ` +
    `(${THROUGHPUT_EVENTS} pushes, one after another, to one repository with 10 workflow files: ${events?.n} events, ` +
    `${runs?.n} runs; delivered in ${delivered.toFixed(2)} s, all triggered after ${seconds.toFixed(2)} s)`);
  await service.close();
}

function refUpdater(gitDir: string): { update(ref: string, next: string, previous: string): Promise<void>; close(): void } {
  const child = spawn('git', ['--git-dir', gitDir, 'update-ref', '--stdin'], { env: GIT_ENV, stdio: ['pipe', 'pipe', 'inherit'] });
  let waiting: (() => void) | null = null;
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    if (buffered.includes('commit: ok\n')) {
      buffered = '';
      waiting?.();
    }
  });
  return {
    update: (ref, next, previous) => new Promise<void>((resolve) => {
      waiting = resolve;
      child.stdin.write(`start\nupdate ${ref} ${next} ${previous}\ncommit\n`);
    }),
    close: () => child.stdin.end(),
  };
}

async function waitNoPending(sql: Sql): Promise<void> {
  for (const deadline = Date.now() + GIVE_UP_MS; ;) {
    check(Date.now() < deadline, `events still pending after ${GIVE_UP_MS / 1000} s`);
    const [row] = await sql<{ n: number }[]>`select count(*)::int as n from events where status = 'pending'`;
    if (row?.n === 0) return;
    await sleep(20);
  }
}

const db = await benchDatabase();
try {
  const only = process.argv[2];
  if (!only || only === 'latency') await latency(db.url, db.dataDir);
  if (!only || only === 'throughput') await throughput(db.url, db.dataDir);
  if (!only || only === 'startup') await manyRepositories(db.url, db.dataDir);
} finally {
  await db.stop();
}
