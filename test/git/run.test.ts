import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { GitError, GitNotFoundError, closeGitRepositories, gitAvailable, gitRepository, gitVersion } from '../../server/adapters/git/index.js';
import { runGit, streamGitRecords } from '../../server/adapters/git/run.js';
import { commitFiles, createBareRepo, createWorkRepo, git, push, removeTempDirs } from './fixtures.js';

afterAll(async () => {
  closeGitRepositories();
  await removeTempDirs();
});

describe('running git', () => {
  const savedEnv = { PATH: process.env.PATH, GIT_DIR: process.env.GIT_DIR };
  afterEach(() => {
    for (const [name, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('reports the installed git', async () => {
    expect(await gitAvailable()).toBe(true);
    expect(await gitVersion()).toMatch(/^\d+\.\d+/);
  });

  it('reports clearly when git is missing', async () => {
    process.env.PATH = '/nonexistent-plue-path';
    expect(await gitAvailable()).toBe(false);
    const error = await runGit(['--version']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitNotFoundError);
    expect((error as Error).message).toMatch(/git executable not found/);
  });

  it('uses the given repository even when GIT_DIR points elsewhere', async () => {
    const other = await createBareRepo();
    const bare = await createBareRepo();
    const work = await createWorkRepo(bare);
    const commit = await commitFiles(work, { 'a.txt': 'a' });
    await push(work, 'main');
    process.env.GIT_DIR = other;
    expect(await gitRepository(bare).listRefs()).toEqual(new Map([['refs/heads/main', commit]]));
  });

  it('accepts listed exit codes and throws GitError with command, exit code and stderr otherwise', async () => {
    const bare = await createBareRepo();
    const quiet = await runGit(['rev-parse', '-q', '--verify', 'nope'], { gitDir: bare, okExitCodes: [0, 1] });
    expect(quiet.exitCode).toBe(1);
    const error = (await runGit(['rev-parse', '--verify', 'nope'], { gitDir: bare }).catch((e: unknown) => e)) as GitError;
    expect(error).toBeInstanceOf(GitError);
    expect(error.args).toEqual(['rev-parse', '--verify', 'nope']);
    expect(error.exitCode).toBe(128);
    expect(error.stderr).toMatch(/Needed a single revision/);
    expect(error.message).toContain(bare);
  });

  it('streams records and stops git early when asked', async () => {
    const bare = await createBareRepo();
    const work = await createWorkRepo(bare);
    const commit = await commitFiles(work, { 'a.txt': 'a' });
    await push(work, 'main');
    const lines = Array.from({ length: 3000 }, (_, i) => `create refs/tags/t${i} ${commit}\n`).join('');
    await git(['update-ref', '--stdin'], bare, { input: lines });

    const seen: string[] = [];
    const { stopped } = await streamGitRecords(['for-each-ref', '--format=%(refname)'], { gitDir: bare, separator: '\n' }, (r) => {
      seen.push(r.toString());
      return seen.length < 3;
    });
    expect(stopped).toBe(true);
    expect(seen).toHaveLength(3);

    let count = 0;
    const all = await streamGitRecords(['for-each-ref', '--format=%(refname)'], { gitDir: bare, separator: '\n' }, () => {
      count++;
      return true;
    });
    expect(all.stopped).toBe(false);
    expect(count).toBe(3001);
  });
});
