import { execFile } from 'node:child_process';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../server/services/service.js';
import { commitFiles, createTempDir, createWorkRepo, git, push, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { CI_ON_PUSH, recordLog, runsOf, startTestService, waitFor, waitForPushTriggered } from '../support/service.js';
import type { RecordedLog } from '../support/service.js';

// Repositories that appear while the service runs, as a user makes them: `git init --bare` and a push at once,
// with no hook (the watcher alone). And a bare repository whose HEAD names a branch nobody pushed.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CI = CI_ON_PUSH;

const db = useTestDatabase();
let reposDir: string;
let service: Service;
let logs: RecordedLog;

beforeAll(async () => {
  reposDir = await createTempDir('plue-repos-');
  logs = recordLog();
  service = await startTestService({ databaseUrl: db.url, reposDir, log: logs.log, env: { PLUE_PUBLIC_READ: '1' } });
});

afterAll(async () => {
  await service?.close();
  await removeTempDirs();
});

/** `git init --bare` as a process, with git's own default branch (`master`), as a user types it. */
async function gitInitBare(dir: string): Promise<void> {
  await promisify(execFile)('git', ['init', '-q', '--bare', '-b', 'master', dir], { env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' } });
}

describe('a repository that appears while the service runs', () => {
  it('with no refs starts from no refs: its first push, made at once, triggers', async () => {
    const work = await createWorkRepo();
    const sha = await commitFiles(work, { '.plue/workflows/ci.py': CI }, 'first');
    const bare = path.join(reposDir, 'newcomer', 'first.git');
    await gitInitBare(bare);
    await git(['push', '-q', bare, 'main'], work);
    const result = await waitForPushTriggered(db.sql, 'refs/heads/main', sha);
    expect(result.runs).toHaveLength(1);
    expect((await runsOf(db.sql, 'newcomer', 'first')).map((r) => r.commit_sha)).toEqual([sha]);
  });

  it('as an empty folder that git init fills later: found once it is a repository, from no refs', async () => {
    const bare = path.join(reposDir, 'newcomer', 'slow.git');
    await mkdir(bare, { recursive: true });
    await logs.logged(/^skipping .*slow\.git: not a git repository$/); // the rescan saw the folder half-made
    await gitInitBare(bare);
    await waitFor(async () => (await db.sql`select 1 from repositories where owner = 'newcomer' and name = 'slow'`).length === 1, 'the repository');
    const work = await createWorkRepo(bare);
    const sha = await commitFiles(work, { '.plue/workflows/ci.py': CI }, 'first');
    await git(['push', '-q', 'origin', 'main'], work);
    expect((await waitForPushTriggered(db.sql, 'refs/heads/main', sha)).runs).toHaveLength(1);
  });

  it('with refs takes them as its baseline (copied in under a hidden name, renamed into place)', async () => {
    const source = path.join(await createTempDir(), 'source.git');
    await gitInitBare(source);
    const work = await createWorkRepo(source);
    const old = await commitFiles(work, { '.plue/workflows/ci.py': CI }, 'history');
    await push(work, 'main');
    await mkdir(path.join(reposDir, 'newcomer'), { recursive: true });
    const hidden = path.join(reposDir, 'newcomer', '.incoming-copied.git');
    await git(['clone', '-q', '--bare', source, hidden], reposDir);
    await rename(hidden, path.join(reposDir, 'newcomer', 'copied.git'));
    await waitFor(async () => (await db.sql`select 1 from repositories where owner = 'newcomer' and name = 'copied'`).length === 1, 'the copied repository');
    await git(['remote', 'set-url', 'origin', path.join(reposDir, 'newcomer', 'copied.git')], work);
    const next = await commitFiles(work, { 'README.md': 'next\n' }, 'next');
    await push(work, 'main');
    await waitForPushTriggered(db.sql, 'refs/heads/main', next);
    expect((await runsOf(db.sql, 'newcomer', 'copied')).map((r) => r.commit_sha)).toEqual([next]);
    expect((await runsOf(db.sql, 'newcomer', 'copied')).map((r) => r.commit_sha)).not.toContain(old);
  });
});

describe('HEAD naming a branch that does not exist', () => {
  it('makes the first branch pushed the default branch, and says so', async () => {
    const bare = path.join(reposDir, 'newcomer', 'headless.git');
    await gitInitBare(bare); // HEAD → master
    const work = await createWorkRepo(bare);
    const sha = await commitFiles(work, { '.plue/workflows/ci.py': CI }, 'first');
    await git(['push', '-q', 'origin', 'main'], work);
    await waitForPushTriggered(db.sql, 'refs/heads/main', sha);
    await logs.logged(/default branch of newcomer\/headless is now main \(HEAD names master, which does not exist: the first branch pushed\)/);
    const reply = await fetch(`${service.url.replace(/\/$/, '')}/api/repos/newcomer/headless`);
    expect(await reply.json()).toMatchObject({ owner: 'newcomer', name: 'headless', default_branch: 'main', head: 'master' });
    const workflows = `${service.url.replace(/\/$/, '')}/api/repos/newcomer/headless/workflows`;
    await waitFor(async () => ((await (await fetch(workflows)).json()) as { workflows: unknown[] }).workflows.length === 1, 'the default branch\'s workflows');
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(ROOT, 'bin', 'plue-trigger.js'), 'repos', 'show', 'newcomer/headless'], {
      env: { ...process.env, PLUE_URL: service.url },
    });
    expect(stdout).toBe('newcomer/headless\n  default branch: main (HEAD names master, which does not exist: the first branch pushed)\n');

    // A second branch pushed later does not take its place.
    await git(['checkout', '-q', '-b', 'dev'], work);
    const dev = await commitFiles(work, { 'x.txt': 'x' }, 'dev');
    await git(['push', '-q', 'origin', 'dev'], work);
    await waitForPushTriggered(db.sql, 'refs/heads/dev', dev);
    expect(await (await fetch(`${service.url.replace(/\/$/, '')}/api/repos/newcomer/headless`)).json()).toMatchObject({ default_branch: 'main' });

    // HEAD pointed at a branch that exists wins again.
    await git(['symbolic-ref', 'HEAD', 'refs/heads/dev'], bare);
    await logs.logged(/default branch of newcomer\/headless is now dev/);
  });
});
