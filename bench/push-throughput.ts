// Sustained push events per second (bench:push's `throughput` part): pushes one after another to one repository,
// and to many repositories at once, each delivered as the post-receive hook delivers it, next to the bare git
// reads the same pushes need (the floor). Fails when the pushes do not make the runs they should.
import { spawn } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import type { Service } from '../server/services/service.js';
import { cpuPerEvent, cpuSample, postmasterPid } from './process-cpu.js';
import {
  GIT_ENV, WORKFLOWS_PER_REPOSITORY, createRepository, makeCommits, refUpdater, startBenchService, waitNoPending,
} from './push-support.js';
import type { PushersDone, PushersWork } from './pushers.js';
import { benchSize, check, startLoadProcess, within } from './support.js';

const ONE_REPOSITORY_PUSHES = benchSize('BENCH_EVENTS', 400, 40);
const MANY_REPOSITORIES = benchSize('BENCH_PUSH_REPOS', 100, 20);
const PUSHES_PER_REPOSITORY = benchSize('BENCH_PUSHES_PER_REPO', 20, 5);
// Pushes through the same service before the measured window, so that the figure is the sustained rate of a
// running service, not of one compiling its hot paths (in a fresh process V8's compiler threads took ~1.5 ms of
// CPU a push over the first 400).
const WARM_UP_PUSHES = benchSize('BENCH_WARM_UP_PUSHES', 400, 10);
const WORKFLOW_FOLDER = '.plue/workflows';

interface PushedRepository {
  gitDir: string;
  head: string;
  /** The commits main moves to, in order. */
  commits: string[];
}

/** Pushes one after another to one repository with 10 workflow files. */
export async function oneRepositoryThroughput(url: string, dataDir: string): Promise<void> {
  const reposDir = path.join(dataDir, 'throughput-repos');
  const repo = await createRepository(reposDir, 'bench', 'busy');
  const [warmUp, pushed] = splitWarmUp([repo], WARM_UP_PUSHES, [await makeCommits(repo.gitDir, repo.head, WARM_UP_PUSHES + ONE_REPOSITORY_PUSHES)]);
  console.log(`  the host's own git update-ref, the same pushes one after another, nothing else running: ${(await refUpdatesAlone(pushed[0]!)).toFixed(0)} pushes/s`);
  await measure(url, dataDir, 'throughput', reposDir, warmUp, pushed, 'one after another, to one repository with 10 workflow files', 300);
  await measureHalves(url, dataDir, 'throughput', reposDir, warmUp, pushed);
}

/** Pushes to many repositories at once (one after another within each), each with 10 workflow files. */
export async function manyRepositoriesThroughput(url: string, dataDir: string): Promise<void> {
  const reposDir = path.join(dataDir, 'throughput-many-repos');
  const repos: Array<{ gitDir: string; head: string }> = [];
  const commits: string[][] = [];
  const warmUpEach = Math.round(WARM_UP_PUSHES / MANY_REPOSITORIES);
  for (let i = 0; i < MANY_REPOSITORIES; i++) {
    const repo = await createRepository(reposDir, `pushers${i % 10}`, `busy${i}`);
    repos.push(repo);
    commits.push(await makeCommits(repo.gitDir, repo.head, warmUpEach + PUSHES_PER_REPOSITORY));
  }
  const [warmUp, pushed] = splitWarmUp(repos, warmUpEach, commits);
  await measure(url, dataDir, 'throughput-many', reposDir, warmUp, pushed,
    `to ${MANY_REPOSITORIES} repositories at once (one after another within each), each with 10 workflow files`, 1000);
  await measureHalves(url, dataDir, 'throughput-many', reposDir, warmUp, pushed);
}

/** Each repository's commits as two rounds of pushes: its first `warm`, then the rest from where they left it. */
function splitWarmUp(repos: Array<{ gitDir: string; head: string }>, warm: number, commits: string[][]): [PushedRepository[], PushedRepository[]] {
  const first = repos.map((r, i) => ({ ...r, commits: commits[i]!.slice(0, warm) }));
  const rest = repos.map((r, i) => ({ gitDir: r.gitDir, head: first[i]!.commits.at(-1) ?? r.head, commits: commits[i]!.slice(warm) }));
  return [first, rest];
}

const pushCount = (repos: readonly PushedRepository[]) => repos.reduce((n, r) => n + r.commits.length, 0);

async function measure(
  url: string, dataDir: string, name: string, reposDir: string, warmUp: PushedRepository[], repos: PushedRepository[],
  described: string, target: number,
): Promise<void> {
  const events = pushCount(repos);
  const warmUpEvents = pushCount(warmUp);
  const floorSeconds = await bareGitReads(repos);
  const service = await startBenchService(url, path.join(dataDir, name), reposDir, false);
  const postmaster = await postmasterPid(service.db.sql as never);
  if (warmUpEvents > 0) {
    const warmUpPushers = await startLoadProcess<PushersWork, PushersDone>(
      new URL('./pushers.ts', import.meta.url), { url: service.url, hookToken: service.hookToken, repos: warmUp }, "the warm-up pushers' process");
    await warmUpPushers.go();
    await waitNoPending(service.db.sql);
  }
  const pushers = await startLoadProcess<PushersWork, PushersDone>(
    new URL('./pushers.ts', import.meta.url), { url: service.url, hookToken: service.hookToken, repos }, "the pushers' process");
  const gitProcesses = countGitProcesses();
  const profile = await startProfile();
  const cpuBefore = await cpuSample(postmaster);
  const t0 = performance.now();
  const pushed = await pushers.go();
  await waitNoPending(service.db.sql);
  const seconds = (performance.now() - t0) / 1000;
  const cpuAfter = await cpuSample(postmaster);
  await profile.stop(name);
  const spawned = gitProcesses.stop();
  await checkRuns(service, reposDir, warmUpEvents + events);
  console.log(`sustained push events, ${described}: ${(events / seconds).toFixed(0)} events/s triggered ` +
    `(target ${target}; bare git reads for the same pushes: ${(events / floorSeconds).toFixed(0)} events/s; ${events} pushes delivered as the hook's HTTP request ` +
    `over loopback with keep-alive (node:http), from a process of their own, after ${warmUpEvents} pushes to warm the service up, ` +
    `in ${pushed.seconds.toFixed(2)} s, all triggered after ${seconds.toFixed(2)} s)`);
  console.log(`  ${cpuPerEvent(cpuBefore, cpuAfter, events)}; git processes started: ${spawned}; ` +
    `the pushers' process (not counted above): ${(pushed.cpuMs / events).toFixed(2)} ms of CPU per push, their git update-ref not included`);
  await service.close();
}

/**
 * The two halves of the same work apart, over as many new pushes to the same repositories: the hooks alone (the
 * trigger stopped), then the trigger alone on what they recorded, as a service that starts after them finds it
 * (full batches). Shows which half limits the line above, and each half's CPU.
 */
async function measureHalves(
  url: string, dataDir: string, name: string, reposDir: string, warmUp: PushedRepository[], pushed: PushedRepository[],
): Promise<void> {
  const repos = await Promise.all(pushed.map(async (repo) => {
    const head = repo.commits.at(-1) ?? repo.head;
    return { gitDir: repo.gitDir, head, commits: await makeCommits(repo.gitDir, head, repo.commits.length) };
  }));
  const events = pushCount(repos);
  const recorder = await startBenchService(url, path.join(dataDir, name), reposDir, false, { concurrency: 0 });
  const postmaster = await postmasterPid(recorder.db.sql as never);
  const pushers = await startLoadProcess<PushersWork, PushersDone>(
    new URL('./pushers.ts', import.meta.url), { url: recorder.url, hookToken: recorder.hookToken, repos }, "the pushers' process");
  const hooksBefore = await cpuSample(postmaster);
  const hooks = await pushers.go();
  const hooksAfter = await cpuSample(postmaster);
  await recorder.close();
  const triggerBefore = await cpuSample(postmaster);
  const t0 = performance.now();
  const service = await startBenchService(url, path.join(dataDir, name), reposDir, false);
  await waitNoPending(service.db.sql);
  const seconds = (performance.now() - t0) / 1000;
  const triggerAfter = await cpuSample(postmaster);
  await checkRuns(service, reposDir, pushCount(warmUp) + 2 * events);
  console.log(`  apart, over ${events} more pushes: the hooks alone (trigger stopped) ${(events / hooks.seconds).toFixed(0)} events/s recorded ` +
    `(${cpuPerEvent(hooksBefore, hooksAfter, events)}); the trigger alone on what they recorded, from a service's start (the start included): ` +
    `${(events / seconds).toFixed(0)} events/s triggered (${cpuPerEvent(triggerBefore, triggerAfter, events)})`);
  await service.close();
}

async function checkRuns(service: Service, reposDir: string, events: number): Promise<void> {
  const [row] = await service.db.sql<{ events: number; runs: number }[]>`
    with pushed as (select id from repositories where starts_with(path, ${reposDir + path.sep}))
    select (select count(*)::int from events where status = 'processed' and repository_id in (select id from pushed)) as events,
      (select count(*)::int from workflow_runs where repository_id in (select id from pushed)) as runs`;
  // Every workflow of the repository matches a push to main that changes src/app.py.
  check(row?.events === events && row.runs === events * WORKFLOWS_PER_REPOSITORY,
    `${events} pushes should make as many processed events and ${WORKFLOWS_PER_REPOSITORY} runs each`, row);
}

/**
 * The host's own part of a push that the hook's answer waits for: `git update-ref` through the same commits one
 * after another (on a ref of its own, so main stays where the pushes start), with nothing else running. Pushes/s.
 */
async function refUpdatesAlone(repo: PushedRepository): Promise<number> {
  const ref = 'refs/bench/update-ref-alone';
  const updater = refUpdater(repo.gitDir);
  let before = '0'.repeat(40);
  const t0 = performance.now();
  for (const after of repo.commits) {
    await updater.update(ref, after, before);
    before = after;
  }
  const seconds = (performance.now() - t0) / 1000;
  await updater.update(ref, '0'.repeat(40), before);
  updater.close();
  return repo.commits.length / seconds;
}

/**
 * The floor: the git reads a push needs, through processes already started, all requests written at once and
 * every repository at once: the pushed commit, its workflows folder and the 10 workflow blobs (`git cat-file
 * --batch`), and the paths it changed (`git diff-tree --stdin`). Returns the seconds they took.
 */
async function bareGitReads(repos: PushedRepository[]): Promise<number> {
  const readers = await Promise.all(repos.map(async (repo) => {
    const catFile = await startedGit(repo.gitDir, ['cat-file', '--batch'], `${repo.head}\n`);
    const diffTree = await startedGit(repo.gitDir, ['diff-tree', '--stdin', '--root', '-r', '--name-only', '-z'], `${repo.head}\n`);
    return { repo, catFile, diffTree };
  }));
  const t0 = performance.now();
  await Promise.all(readers.flatMap(({ repo, catFile, diffTree }) => {
    const objects: string[] = [];
    const pairs: string[] = [];
    let before = repo.head;
    for (const after of repo.commits) {
      objects.push(after, `${after}:${WORKFLOW_FOLDER}`);
      for (let i = 0; i < WORKFLOWS_PER_REPOSITORY; i++) objects.push(`${after}:${WORKFLOW_FOLDER}/wf${i}.py`);
      pairs.push(`${after} ${before}`);
      before = after;
    }
    return [finish(catFile, `${objects.join('\n')}\n`), finish(diffTree, `${pairs.join('\n')}\n`)];
  }));
  return (performance.now() - t0) / 1000;
}

/** A git process that has answered its first request (its start-up is not the floor's). */
async function startedGit(gitDir: string, args: string[], warmUp: string): Promise<ChildProcess> {
  const child = spawn('git', ['--git-dir', gitDir, ...args], { env: GIT_ENV, stdio: ['pipe', 'pipe', 'inherit'] });
  await within(30_000, `git ${args[0]}'s first answer`, new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.once('data', () => resolve());
    child.stdin!.write(warmUp);
  }));
  return child;
}

function finish(child: ChildProcess, input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.stdout!.resume();
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`git exited with ${code}`))));
    child.stdin!.end(input);
  });
}

/** Counts the git processes this process starts until stop(), by subcommand: `3 (cat-file 1, for-each-ref 2)`. */
function countGitProcesses(): { stop(): string } {
  const counts = new Map<string, number>();
  const onSpawn = (message: unknown) => {
    const child = (message as { process: ChildProcess }).process;
    // The arguments are set once the process is spawned, after this message.
    queueMicrotask(() => {
      const args = child.spawnargs ?? [];
      if (!args[0]?.endsWith('git')) return;
      const command = args.slice(1).find((arg, i, all) => !arg.startsWith('-') && all[i - 1] !== '--git-dir' && all[i - 1] !== '-C') ?? '?';
      counts.set(command, (counts.get(command) ?? 0) + 1);
    });
  };
  subscribe('child_process', onSpawn);
  return {
    stop() {
      unsubscribe('child_process', onSpawn);
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      return total === 0 ? '0' : `${total} (${[...counts].map(([command, n]) => `${command} ${n}`).join(', ')})`;
    },
  };
}

/** BENCH_CPU_PROFILE=<folder>: a CPU profile of this process's main thread over each measured window. */
async function startProfile(): Promise<{ stop(name: string): Promise<void> }> {
  const folder = process.env.BENCH_CPU_PROFILE;
  if (!folder) return { stop: async () => undefined };
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(name) {
      const { profile } = await session.post('Profiler.stop');
      const file = path.join(folder, `${name}.cpuprofile`);
      await mkdir(folder, { recursive: true });
      await writeFile(file, JSON.stringify(profile));
      session.disconnect();
      console.log(`  CPU profile of the window: ${file}`);
    },
  };
}
