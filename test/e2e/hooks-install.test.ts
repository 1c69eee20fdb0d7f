import { execFile } from 'node:child_process';
import { access, chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../server/services/service.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, pushShowing, removeTempDirs, revParse } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { CI_ON_PUSH, startTestService, waitFor } from '../support/service.js';

// `plue-trigger hooks install` run as a process against a running service, and PLUE_INSTALL_HOOKS=1; each hook
// then proven by a real `git push`.

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CI = CI_ON_PUSH;
// A user's own hook: says it ran, and keeps exactly what git gave it on stdin.
const USER_HOOK = `#!/bin/sh
cat > "$(dirname "$0")/../user-hook-input"
echo "user hook ran"
`;

const db = useTestDatabase();
let reposDir: string;
let service: Service;

beforeAll(async () => {
  reposDir = await createTempDir('plue-repos-');
  for (const name of ['plain', 'own-hook', 'both']) await createBareRepo(path.join(reposDir, 'acme', `${name}.git`));
  service = await startTestService({ databaseUrl: db.url, reposDir });
});

afterAll(async () => {
  await service?.close();
  await removeTempDirs();
});

async function hooks(...argv: string[]): Promise<{ status: number; out: string; err: string }> {
  const env = { ...process.env, PLUE_REPOS_DIR: reposDir, PLUE_DATA_DIR: path.dirname(service.hookTokenFile), PLUE_URL: service.url };
  return promisify(execFile)(process.execPath, [path.join(ROOT, 'bin', 'plue-trigger.js'), 'hooks', ...argv], { env })
    .then(({ stdout, stderr }) => ({ status: 0, out: stdout, err: stderr }))
    .catch((error: { code: number; stdout: string; stderr: string }) => ({ status: error.code, out: error.stdout, err: error.stderr }));
}

const bare = (name: string) => path.join(reposDir, 'acme', `${name}.git`);
const remoteLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('remote: ')).map((l) => l.slice(8).trimEnd());

describe('plue-trigger hooks install', () => {
  it('installs into a repository without a hook; the push then shows what it started; again, it changes nothing', async () => {
    const hookFile = path.join(bare('plain'), 'hooks', 'post-receive');
    expect(await hooks('install', 'acme/plain')).toEqual({ status: 0, out: `acme/plain: installed ${hookFile}\n`, err: '' });
    const work = await createWorkRepo(bare('plain'));
    await commitFiles(work, { '.plue/workflows/ci.py': CI }, 'first');
    expect(remoteLines(await pushShowing(work, 'main'))[0]).toBe('plue-trigger: main: 1 run started');
    expect(await hooks('install', 'acme/plain')).toEqual({ status: 0, out: `acme/plain: already installed (${hookFile})\n`, err: '' });
    const json = await hooks('install', 'acme/plain', '--json');
    expect(JSON.parse(json.out)).toEqual({
      repositories: [{ repository: 'acme/plain', outcome: 'unchanged', file: hookFile, message: `already installed (${hookFile})` }],
    });
  });

  it('keeps a hook of the user\'s and runs it after ours, with the same stdin', async () => {
    const hookFile = path.join(bare('own-hook'), 'hooks', 'post-receive');
    await writeFile(hookFile, USER_HOOK);
    await chmod(hookFile, 0o755);
    const installed = await hooks('install', 'acme/own-hook');
    expect(installed.status).toBe(0);
    expect(installed.out).toBe(`acme/own-hook: installed ${hookFile}; your hook is now ${hookFile}.user, run after ours with the same input\n`);
    expect(await readFile(`${hookFile}.user`, 'utf8')).toBe(USER_HOOK);

    const work = await createWorkRepo(bare('own-hook'));
    const sha = await commitFiles(work, { '.plue/workflows/ci.py': CI }, 'first');
    const lines = remoteLines(await pushShowing(work, 'main'));
    expect(lines[0]).toBe('plue-trigger: main: 1 run started');
    expect(lines.at(-1)).toBe('user hook ran');
    expect(await readFile(path.join(bare('own-hook'), 'user-hook-input'), 'utf8')).toBe(`${'0'.repeat(40)} ${sha} refs/heads/main\n`);

    // Again: nothing moves, the user's hook stays where it is.
    expect((await hooks('install', '--all')).out).toContain(`acme/own-hook: already installed (${hookFile})`);
    const next = await commitFiles(work, { 'README.md': 'more\n' }, 'second');
    expect(remoteLines(await pushShowing(work, 'main')).at(-1)).toBe('user hook ran');
    expect(await readFile(path.join(bare('own-hook'), 'user-hook-input'), 'utf8')).toBe(`${sha} ${next} refs/heads/main\n`);
    expect(await revParse(bare('own-hook'), 'main')).toBe(next);
  });

  it('touches neither hook when the user has both post-receive and post-receive.user; exit 1', async () => {
    const hookFile = path.join(bare('both'), 'hooks', 'post-receive');
    await writeFile(hookFile, USER_HOOK);
    await writeFile(`${hookFile}.user`, '#!/bin/sh\necho older\n');
    const result = await hooks('install', 'acme/both');
    expect(result.status).toBe(1);
    expect(result.out).toContain('is not ours and');
    expect(await readFile(hookFile, 'utf8')).toBe(USER_HOOK);
    expect(await readFile(`${hookFile}.user`, 'utf8')).toBe('#!/bin/sh\necho older\n');
  });

  it('says which repositories it did not find (exit 1), and wants names or --all (exit 2)', async () => {
    const missing = await hooks('install', 'acme/nope');
    expect(missing.status).toBe(1);
    expect(missing.out).toBe(`acme/nope: no repository acme/nope under ${reposDir} (PLUE_REPOS_DIR)\n`);
    expect((await hooks('install')).status).toBe(2);
    expect((await hooks('install', 'acme/plain', '--all')).status).toBe(2);
    const help = await hooks('install', '--help');
    expect(help.status).toBe(0);
    expect(help.out).toContain('post-receive.user');
  });
});

describe('PLUE_INSTALL_HOOKS=1', () => {
  it('installs the hook into every repository found, at start and as they appear', async () => {
    const dir = await createTempDir('plue-repos-');
    await createBareRepo(path.join(dir, 'acme', 'early.git'));
    const installing = await startTestService({ databaseUrl: db.url, reposDir: dir, env: { PLUE_INSTALL_HOOKS: '1' } });
    try {
      const hookOf = (name: string) => path.join(dir, 'acme', `${name}.git`, 'hooks', 'post-receive');
      await waitFor(() => access(hookOf('early')).then(() => true, () => false), 'the hook of a repository found at start');
      expect(await readFile(hookOf('early'), 'utf8')).toBe(installing.hookScript);
      await createBareRepo(path.join(dir, 'acme', 'late.git'));
      await waitFor(() => access(hookOf('late')).then(() => true, () => false), 'the hook of a repository that appeared');
      const work = await createWorkRepo(path.join(dir, 'acme', 'late.git'));
      await commitFiles(work, { '.plue/workflows/ci.py': CI }, 'first');
      expect(remoteLines(await pushShowing(work, 'main'))[0]).toBe('plue-trigger: main: 1 run started');
    } finally {
      await installing.close();
    }
  });
});
