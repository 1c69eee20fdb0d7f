// Stopping the service as a user does: SIGTERM to `npm start` stops the service and its embedded PostgreSQL; a
// parent killed outright (kill -9 of the shell that started it) makes the service stop by itself. Real processes,
// real PostgreSQL; done when the processes are gone, never after a fixed time.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmod, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createTempDir, removeTempDirs } from '../git/fixtures.js';
import { freePort, healthy } from '../support/child-service.js';
import { waitFor } from '../support/service.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const started: ChildProcess[] = [];

afterEach(async () => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
  await removeTempDirs();
});

/**
 * How long a stop may take: the service gives its PostgreSQL 30 s to shut down (a checkpoint, flushed to a disk
 * that other tests keep busy), then 5 s after SIGQUIT, before it kills it (adapters/db/embedded.ts).
 */
const STOP_BOUND_MS = 60_000;

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Starts `command` in a folder of its own with the service's settings; resolves once the service answers. */
async function startUnder(command: string[]): Promise<{ parent: ChildProcess; dataDir: string; url: string }> {
  const dir = await createTempDir('plue-hygiene-');
  await chmod(dir, 0o755); // the embedded PostgreSQL runs as its own user, which must reach its data folder
  const port = await freePort();
  const env = {
    ...process.env, PORT: String(port), PLUE_DATA_DIR: path.join(dir, 'data'), PLUE_REPOS_DIR: path.join(dir, 'repos'),
    PLUE_DEMO: '0', PLUE_LOG_LEVEL: 'warn',
  };
  const parent = spawn(command[0]!, command.slice(1), { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
  started.push(parent);
  const url = `http://127.0.0.1:${port}`;
  let exited: number | null = null;
  parent.on('exit', (code) => (exited = code ?? -1));
  await waitFor(async () => {
    if (exited !== null) throw new Error(`${command.join(' ')} exited with ${exited} before the service answered`);
    return healthy(url);
  }, 'the service to answer', 60_000);
  return { parent, dataDir: path.join(dir, 'data'), url };
}

/** The service's and PostgreSQL's process ids, read from where they are recorded. */
async function processesOf(url: string, dataDir: string): Promise<{ postgres: number }> {
  const postmaster = await readFile(path.join(dataDir, 'postgres', 'pgdata', 'postmaster.pid'), 'utf8');
  expect(await healthy(url)).toBe(true);
  return { postgres: Number(postmaster.split('\n')[0]) };
}

describe('stopping the service', { timeout: 120_000 }, () => {
  it('SIGTERM to npm start stops the service and its PostgreSQL', async () => {
    // --ignore-scripts: the tests run from the build already made; `prestart` would only build it again.
    const { parent, dataDir, url } = await startUnder(['npm', 'start', '--silent', '--ignore-scripts']);
    const { postgres } = await processesOf(url, dataDir);
    parent.kill('SIGTERM');
    await waitFor(async () => !(await healthy(url)) && !alive(postgres), 'the service and PostgreSQL to stop', STOP_BOUND_MS);
  });

  it('stops by itself when the shell that started it is killed outright', async () => {
    // The command the README's systemd unit runs (ExecStart), started from a shell.
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    const execStart = /^ExecStart=\/usr\/bin\/node (.+)$/m.exec(readme)![1]!;
    const shell = `"${process.execPath}" ${execStart} & wait`;
    const { parent, dataDir, url } = await startUnder(['bash', '-c', shell]);
    const { postgres } = await processesOf(url, dataDir);
    parent.kill('SIGKILL');
    await waitFor(async () => !(await healthy(url)) && !alive(postgres), 'the orphaned service and PostgreSQL to stop', STOP_BOUND_MS);
  });
});
