// Shared by the push benchmarks (bench/push*.ts): real bare repositories with workflow files, commits made in
// bulk, refs moved as a push moves them, the service as the benchmarks start it, and the hook's HTTP request.
import { execFile, spawn } from 'node:child_process';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, request as httpRequest } from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import type { Sql } from '../server/adapters/db/connect.js';
import { loadConfig } from '../server/config.js';
import { startService } from '../server/services/service.js';
import type { Service } from '../server/services/service.js';
import type { TriggerLoopOptions } from '../server/services/trigger/trigger-loop.js';
import { check } from './support.js';
import { setTimeout as sleep } from 'node:timers/promises';

const run = promisify(execFile);
export const GIT_ENV = {
  ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@plue.invalid', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@plue.invalid',
};
export const git = async (gitDir: string, ...args: string[]) => (await run('git', ['--git-dir', gitDir, ...args], { env: GIT_ENV })).stdout.trim();
export const WORKFLOWS_PER_REPOSITORY = 10;
/** Past this a wait is a broken pipeline, not a slow one. */
const GIVE_UP_MS = 300_000;

function workflow(i: number): string {
  const filters = i % 2 === 0 ? 'branches=["main", "release/**"]' : 'branches=["main"], paths=["src/**", "!src/vendor/**"]';
  return `from plue import workflow, push\n\n@workflow(name="Workflow ${i}", on=[push(${filters})])\nasync def wf${i}(ctx):\n    await ctx.run("make test-${i}")\n`;
}

/** A bare repository with `workflows` workflow files on main; returns its git dir and main's commit. */
export async function createRepository(reposDir: string, owner: string, name: string, workflows = WORKFLOWS_PER_REPOSITORY): Promise<{ gitDir: string; head: string }> {
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
  await rm(work, { recursive: true, force: true });
  return { gitDir, head: await git(gitDir, 'rev-parse', 'main') };
}

/**
 * `count` new commits in a line on top of `parent`, each changing src/app.py, written by one `git fast-import`
 * (a pack, as a push leaves them); no ref points at them until the caller moves one.
 */
export async function makeCommits(gitDir: string, parent: string, count: number): Promise<string[]> {
  const scratchRef = 'refs/bench/commits';
  const marks = `${gitDir}/bench-marks`;
  const stream: string[] = [];
  for (let i = 0; i < count; i++) {
    const message = `change ${i}`;
    const content = `print(${i})\n`;
    stream.push(`commit ${scratchRef}`, `mark :${i + 1}`, 'committer bench <bench@plue.invalid> 1700000000 +0000',
      `data ${Buffer.byteLength(message)}`, message);
    if (i === 0) stream.push(`from ${parent}`);
    stream.push('M 100644 inline src/app.py', `data ${Buffer.byteLength(content)}`, content);
  }
  await new Promise<void>((resolve, reject) => {
    const child = spawn('git', ['--git-dir', gitDir, 'fast-import', '--quiet', `--export-marks=${marks}`], { env: GIT_ENV, stdio: ['pipe', 'ignore', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`git fast-import exited with ${code}`))));
    child.stdin.end(`${stream.join('\n')}\n`);
  });
  await git(gitDir, 'update-ref', '-d', scratchRef);
  const byMark = new Map((await readFile(marks, 'utf8')).trim().split('\n').map((line) => {
    const [mark, sha] = line.split(' ');
    return [Number(mark!.slice(1)), sha!] as const;
  }));
  await rm(marks);
  return Array.from({ length: count }, (_, i) => byMark.get(i + 1)!);
}

/** Moves refs as a push does, through one long-lived `git update-ref --stdin` (git's start-up is not measured). */
export function refUpdater(gitDir: string): { update(ref: string, next: string, previous: string): Promise<void>; close(): void } {
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

export async function startBenchService(url: string, dataDir: string, reposDir: string, watch: boolean, trigger?: TriggerLoopOptions): Promise<Service> {
  // No push feedback: the hook's figures stay those of delivering (bench:pushfeedback measures the wait for the decision).
  const config = loadConfig({
    DATABASE_URL: url, PLUE_DATA_DIR: dataDir, PLUE_REPOS_DIR: reposDir, PLUE_DEMO: '0', PORT: '0', PLUE_HOOK_FEEDBACK_MS: '0',
  }, process.cwd());
  return startService(config, pino({ level: 'silent' }), { watch, ...(trigger ? { trigger } : {}) });
}

/** Connections kept alive between the benchmark's hook requests. */
const hookAgent = new Agent({ keepAlive: true, maxSockets: 256 });

/**
 * The request the installed bash hook makes (server/services/hook-script.ts): the repository's path and git's
 * `<old> <new> <ref>` lines as text, `?wait=true`; over a kept-alive connection (node:http's agent), where the
 * hook opens one per push.
 */
export function deliverHookRequest(service: { url: string; hookToken: string }, gitDir: string, lines: string[]): Promise<void> {
  const body = Buffer.from(`${gitDir}\n${lines.join('\n')}\n`);
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${service.url}/api/hooks/post-receive?wait=true`, {
      method: 'POST', agent: hookAgent,
      headers: {
        authorization: `Bearer ${service.hookToken}`, accept: 'text/plain', 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length,
      },
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => (response.statusCode === 202
        ? resolve()
        : reject(new Error(`hook delivery failed (${response.statusCode}): ${Buffer.concat(chunks).toString()}`))));
    });
    request.on('error', reject);
    request.end(body);
  });
}

export async function waitNoPending(sql: Sql): Promise<void> {
  for (const deadline = Date.now() + GIVE_UP_MS; ;) {
    check(Date.now() < deadline, `events still pending after ${GIVE_UP_MS / 1000} s`);
    // `exists`, not a count: polled every 20 ms while the service works, it must cost the database nearly nothing.
    const [row] = await sql<{ pending: boolean }[]>`select exists (select 1 from events where status = 'pending') as pending`;
    if (row?.pending === false) return;
    await sleep(20);
  }
}
