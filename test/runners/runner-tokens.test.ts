// Runner tokens kept out of the process list: `--token-file` and `--registration-token-file` for `register` and
// `runner`, files created readable by their owner only, and the usage errors around them.
import { spawn } from 'node:child_process';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTaskLog } from '../../server/adapters/db/logs.js';
import { STATUS } from '../../server/adapters/db/status.js';
import { runCli } from '../../server/cli/main.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, push, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { waitFor } from '../support/service.js';
import { REGISTRATION_TOKEN, ensureRepository, queueRun, startRunnerServer } from './support.js';
import type { RunnerServer } from './support.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// The workflow looks at its runner the way any workflow could: through /proc.
const PEEK = `import os
from plue import workflow, push


@workflow(name="Peek", on=push())
async def peek(ctx):
    argv = open(f"/proc/{os.getppid()}/cmdline", "rb").read()
    print("runner token in the runner's command line:", b"plr_" in argv)
`;

const db = useTestDatabase();
let server: RunnerServer;
let dir: string;
let repo: number;
let sha: string;

beforeAll(async () => {
  dir = await createTempDir('plue-runner-tokens-');
  const bare = await createBareRepo();
  const work = await createWorkRepo(bare);
  sha = await commitFiles(work, { '.plue/workflows/peek.py': PEEK }, 'peek');
  await push(work, 'main');
  server = await startRunnerServer(db.sql, { pollMs: 0 });
  repo = await ensureRepository(db.sql, 'acme', 'peek', bare);
  await writeFile(path.join(dir, 'registration'), `${REGISTRATION_TOKEN}\n`, { mode: 0o600 });
});
afterAll(async () => {
  await server?.close();
  await removeTempDirs();
});

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const status = await runCli(argv, { cwd: dir, env, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { status, out, err: err.join('\n') };
}

const runnerCount = async () => (await db.sql<{ n: number }[]>`select count(*)::int as n from runners`)[0]!.n;

describe('register', () => {
  it('reads the registration token from a file and prints the runner token', async () => {
    const result = await cli(['register', '--server', server.url, '--registration-token-file', 'registration', '--name', 'printed']);
    expect(result).toMatchObject({ status: 0, out: [expect.stringMatching(/^plr_/)] });
    expect(result.err).not.toMatch(/warning/);
  });

  it('saves the runner token in --token-file, readable by its owner only, and prints nothing', async () => {
    const result = await cli(['register', '--server', server.url, '--registration-token-file', 'registration', '--token-file', 'saved']);
    expect(result).toMatchObject({ status: 0, out: [] });
    expect(result.err).toContain('runner token saved in saved');
    expect(await readFile(path.join(dir, 'saved'), 'utf8')).toMatch(/^plr_\S+\n$/);
    expect((await stat(path.join(dir, 'saved'))).mode & 0o777).toBe(0o600);
  });

  it('warns about a token file other users can read, and about tokens on the command line', async () => {
    await writeFile(path.join(dir, 'open-registration'), REGISTRATION_TOKEN);
    await chmod(path.join(dir, 'open-registration'), 0o644);
    const open = await cli(['register', '--server', server.url, '--registration-token-file', 'open-registration']);
    expect(open.status).toBe(0);
    expect(open.err).toContain('warning: other users can read open-registration (mode 644)');
    const inline = await cli(['register', '--server', server.url, '--registration-token', REGISTRATION_TOKEN]);
    expect(inline.status).toBe(0);
    expect(inline.err).toContain('warning: --registration-token is visible to every user');
  });
});

describe('usage errors (exit 2, nothing registered)', () => {
  it.each([
    ['runner: a token file that does not exist, and no way to register', ['runner', '--token-file', 'missing'], 'missing does not exist: add --registration-token-file'],
    ['runner: --token and --token-file', ['runner', '--token', 'plr_x', '--token-file', 'saved'], 'give --token-file or --token, not both'],
    ['runner: no token at all', ['runner'], '--token-file is required'],
    ['runner: an empty token file', ['runner', '--token-file', 'empty'], 'empty must hold the runner token and nothing else'],
    ['runner: both registration flags', ['runner', '--registration-token', 'x', '--registration-token-file', 'registration'], 'not both'],
    ['register: a registration token file that does not exist', ['register', '--registration-token-file', 'nope'], 'cannot read the registration token from nope: ENOENT'],
    ['register: a --token-file that exists', ['register', '--registration-token-file', 'registration', '--token-file', 'registration'], 'registration already exists'],
  ])('%s', async (_what, argv, message) => {
    await writeFile(path.join(dir, 'empty'), '\n');
    const before = await runnerCount();
    const [command, ...rest] = argv;
    const result = await cli([command!, '--server', server.url, ...rest]);
    expect(result.status).toBe(2);
    expect(result.err).toContain(message);
    expect(await runnerCount()).toBe(before);
  });
});

describe('runner --token-file', () => {
  /** Starts `plue-trigger runner` in its own process, runs one task with it, and stops it. */
  async function runOneTask(argv: string[]): Promise<{ stderr: string; cmdline: string; log: string[] }> {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test', 'runners', 'runner-child.ts'), 'runner', '--server', server.url, ...argv], {
      cwd: ROOT, env: { ...process.env, PLUE_RUNNER_TOKEN: '' }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      const created = await queueRun(db.sql, repo, {
        workflow_name: 'Peek', function_name: 'peek', workflow_path: '.plue/workflows/peek.py', workflow_content: PEEK, commit_sha: sha,
      });
      await waitFor(async () => {
        const [row] = await db.sql<{ status: number }[]>`select status from workflow_runs where id = ${created.run_id}`;
        return row?.status === STATUS.success;
      }, 'the task to succeed').catch((error: Error) => {
        throw new Error(`${error.message}; runner said: ${stderr}`);
      });
      const cmdline = await readFile(`/proc/${child.pid}/cmdline`, 'utf8');
      const log = (await readTaskLog(db.sql, created.task_id)).map((l) => l.content);
      return { stderr, cmdline, log };
    } finally {
      child.kill('SIGTERM');
      await exited;
      // Its last claim must be gone from the server before the next task is queued: a claim the server answers
      // just as the runner's connection closes would hold that task until its lease runs out.
      await waitFor(async () => server.runners.wakeups.waiting === 0, "the server to drop the stopped runner's claim");
    }
  }

  it('registers at the first start, saves the token, and reads it at the next; the token is never in the process list', async () => {
    const tokenFile = path.join(dir, 'runner-token');
    const argv = ['--registration-token-file', path.join(dir, 'registration'), '--token-file', tokenFile, '--name', 'filed'];
    const before = await runnerCount();
    const first = await runOneTask(argv);
    expect(first.stderr).toContain(`runner token saved in ${tokenFile}`);
    expect(first.stderr).not.toMatch(/plr_/);
    const token = (await readFile(tokenFile, 'utf8')).trim();
    expect(token).toMatch(/^plr_/);
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    expect(first.cmdline).not.toContain(token);
    expect(first.log).toContain("runner token in the runner's command line: False");

    const second = await runOneTask(argv);
    expect(second.stderr).not.toContain('registered runner');
    expect(await runnerCount()).toBe(before + 1);
    expect(second.cmdline).not.toContain(token);
  });
});
