// The start-up banner as a newcomer meets it: `plue-trigger serve` as its own process, and every command it prints
// typed as printed in a shell, in the demo clone, with plue-trigger on PATH as `npm link` puts it there. The run
// the push starts is run by the runner line and followed to its end by the logs line; then the README's tour of the
// command line runs in the same shell (set -e: any command that fails fails the test).
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandForBanner, instructions } from '../../server/cli/serve.js';
import { BIN_PATH } from '../../server/package-root.js';
import { createTempDir, removeTempDirs } from '../git/fixtures.js';
import { freePort } from '../support/child-service.js';
import { linkedBinDir } from '../support/cli-process.js';
import { useTestDatabase } from '../support/db.js';
import { waitFor } from '../support/service.js';

const db = useTestDatabase();
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
let serve: ChildProcess | undefined;

afterAll(async () => {
  if (serve && serve.exitCode === null) {
    const exited = new Promise((resolve) => serve!.once('exit', resolve));
    serve.kill('SIGTERM');
    await exited;
  }
  await removeTempDirs();
});

const IDENTITY = { GIT_AUTHOR_NAME: 'New User', GIT_AUTHOR_EMAIL: 'new@example.com', GIT_COMMITTER_NAME: 'New User', GIT_COMMITTER_EMAIL: 'new@example.com' };

describe('the start-up banner', () => {
  it('prints commands that work as typed in the demo clone, and no secret', async () => {
    const root = await createTempDir('plue-banner-');
    const binDir = await linkedBinDir(root);
    // What a user's shell has: the linked command, node, git, python3 and curl; a home without git settings.
    const PATH = [binDir, path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(path.delimiter);
    const dataDir = path.join(root, 'data');
    const env = { PATH, HOME: root, DATABASE_URL: db.url, PLUE_DATA_DIR: dataDir, PORT: String(await freePort()), PLUE_LOG_LEVEL: 'info' };
    let output = '';
    serve = spawn(process.execPath, [BIN_PATH, 'serve'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    serve.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    serve.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    const banner = await waitFor(async () => /follow the run's log[^\n]*\n {2}[^\n]+\n/.test(output) && output, 'the banner', 60_000);
    expect(banner).not.toContain('npx');

    const commands = banner.split('\n').filter((line) => line.startsWith('  ')).map((line) => line.trim());
    expect(commands.every((c) => !c.startsWith('/'))).toBe(true); // the linked name, not a path
    const runner = commands.find((c) => c.startsWith('plue-trigger runner '))!;
    // Then the README's tour of the command line, in the same shell.
    const tour = readme.slice(readme.indexOf('## The command line'));
    const readmeBlock = /```sh\n([\s\S]*?)```/.exec(tour)![1]!.trim().split('\n');
    const script = [
      'set -euo pipefail',
      ...commands.map((c) => (c === runner ? `${c} > ${root}/runner.log 2>&1 & RUNNER=$!` : c)),
      'echo "== README =="',
      ...readmeBlock,
      'kill -TERM $RUNNER; wait $RUNNER || true',
    ].join('\n');
    const shell = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn('bash', ['-c', script], { cwd: root, env: { PATH, HOME: root, DATABASE_URL: db.url, ...IDENTITY } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
      child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
      child.on('exit', (status) => resolve({ status, stdout, stderr }));
    });
    expect(shell.stderr).toContain('run #1: success');
    expect(shell.status).toBe(0);
    expect(shell.stdout).toMatch(/^\d+ +#1 +\w+ +CI Pipeline +push +main /m); // runs list
    expect(shell.stdout).toContain('"name":"CI Pipeline"'); // curl
    expect(shell.stdout).toMatch(/^OK$/m); // the run's own log: the demo's unittest
    const afterReadme = shell.stdout.slice(shell.stdout.indexOf('== README =='));
    expect(afterReadme).toMatch(/^run \d+ \(#1\): success/m); // runs show
    expect(afterReadme).toMatch(/^\d+ +\S+ +- +online /m); // runners list
    expect(afterReadme).toMatch(/^event 1 \(push\): processed$/m); // events show

    // The tokens stay in their files: neither the banner nor the service's log shows them.
    const registration = (await readFile(path.join(dataDir, 'runner-registration-token'), 'utf8')).trim();
    const hook = (await readFile(path.join(dataDir, 'hook-token'), 'utf8')).trim();
    expect(registration.length).toBeGreaterThan(16);
    expect(output).not.toContain(registration);
    expect(output).not.toContain(hook);
    expect(output).toContain(path.join(dataDir, 'runner-registration-token'));
  });

  it('prints the full path of the command when PATH does not find it, and says how to link it', async () => {
    const cli = await commandForBanner({ PATH: '/usr/bin:/bin' });
    expect(cli).toEqual({ command: BIN_PATH, onPath: false });
    const text = instructions('http://127.0.0.1:4000', '/srv/repos/demo/test-repo.git', '/srv/data', cli);
    expect(text).toContain(`  ${BIN_PATH} runs list demo/test-repo`);
    expect(text).toMatch(/put it on your PATH: npm link, in /);
    // Typed as printed, the full path works from any folder.
    const root = await createTempDir('plue-banner-path-');
    const { stdout } = await promisify(execFile)('bash', ['-c', `${cli.command} --version`], { cwd: root, env: { PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin` } });
    expect(stdout).toMatch(/^plue-trigger \d+\.\d+\.\d+\n$/);
  });
});
