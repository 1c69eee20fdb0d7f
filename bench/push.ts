// npm run bench:push [latency|throughput|throughput-one|throughput-many|startup] — push-to-waiting-task latency (hook, watcher),
// sustained push events per second (bench/push-throughput.ts), and 10,000 repositories on one host: start-up,
// restart with catch-up, memory, idle CPU, watches (bench/push-many.ts). BENCH_QUICK=1: few samples, events and
// repositories. Prints numbers; fails when the pushes do not make the runs they should.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createSql } from '../server/adapters/db/connect.js';
import type { Sql } from '../server/adapters/db/connect.js';
import { TASKS_CHANNEL } from '../server/adapters/db/runs.js';
import { postReceiveHookScript } from '../server/services/hook-script.js';
import { BIN_PATH } from '../server/services/service.js';
import { createRepository, git, makeCommits, startBenchService } from './push-support.js';
import { manyRepositories } from './push-many.js';
import { manyRepositoriesThroughput, oneRepositoryThroughput } from './push-throughput.js';
import { benchDatabase, benchSize, summary, within } from './support.js';
import { setTimeout as sleep } from 'node:timers/promises';

const LATENCY_SAMPLES = benchSize('BENCH_SAMPLES', 40, 5);

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

const db = await benchDatabase();
try {
  const only = process.argv[2];
  if (!only || only === 'latency') await latency(db.url, db.dataDir);
  if (!only || only === 'throughput' || only === 'throughput-one') await oneRepositoryThroughput(db.url, db.dataDir);
  if (!only || only === 'throughput' || only === 'throughput-many') await manyRepositoriesThroughput(db.url, db.dataDir);
  if (!only || only === 'startup') await manyRepositories(db.url, db.dataDir);
} finally {
  await db.stop();
}
