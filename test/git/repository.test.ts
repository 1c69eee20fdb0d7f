import { mkdir, realpath, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverRepositories, resolveRepository } from '../../server/adapters/git/index.js';
import { createBareRepo, createTempDir, createWorkRepo, removeTempDirs } from './fixtures.js';

afterAll(removeTempDirs);

describe('resolveRepository', () => {
  let root: string;
  beforeAll(async () => {
    root = await realpath(await createTempDir());
    await createBareRepo(join(root, 'bare.git'));
    await createWorkRepo(undefined, join(root, 'work'));
    await mkdir(join(root, 'work', 'sub'));
    await mkdir(join(root, 'empty'));
    await writeFile(join(root, 'file.txt'), 'x');
  });

  it.each([
    ['a bare repository', 'bare.git', { gitDir: 'bare.git', bare: true }],
    ['a non-bare repository', 'work', { gitDir: 'work/.git', bare: false }],
    ['the .git folder of a non-bare repository', 'work/.git', { gitDir: 'work/.git', bare: false }],
    ['an empty folder', 'empty', null],
    ['a folder inside a repository (parents are not searched)', 'work/sub', null],
    ['a file', 'file.txt', null],
    ['a missing path', 'missing', null],
  ])('%s', async (_label, path, expected) => {
    const result = await resolveRepository(join(root, path));
    expect(result).toEqual(expected === null ? null : { ...expected, gitDir: join(root, expected.gitDir) });
  });

  it('follows a gitfile (.git file pointing elsewhere)', async () => {
    const separate = join(root, 'separate-git-dir');
    const work = join(root, 'linked');
    await createBareRepo(separate);
    await mkdir(work);
    await writeFile(join(work, '.git'), `gitdir: ${separate}\n`);
    expect(await resolveRepository(work)).toEqual({ gitDir: separate, bare: false });
  });
});

describe('discoverRepositories', () => {
  it('finds <owner>/<name> repositories and reports everything else', async () => {
    const reposDir = await realpath(await createTempDir());
    await createBareRepo(join(reposDir, 'alice', 'app.git'));
    await createWorkRepo(undefined, join(reposDir, 'alice', 'site'));
    await createBareRepo(join(reposDir, 'bob', 'tool.git'));
    await mkdir(join(reposDir, 'bob', 'notes'));
    await writeFile(join(reposDir, 'bob', 'readme.txt'), 'x');
    await createBareRepo(join(reposDir, 'carol', 'dup.git'));
    await createWorkRepo(undefined, join(reposDir, 'carol', 'dup'));
    await createBareRepo(join(reposDir, 'toplevel.git'));
    await writeFile(join(reposDir, 'stray.txt'), 'x');
    await mkdir(join(reposDir, '.hidden', 'x.git'), { recursive: true });
    await mkdir(join(reposDir, 'alice', '.cache'));

    const { repos, problems, twins } = await discoverRepositories(reposDir);

    // Two repositories of one name are neither's: the caller decides which, if any, it already knows.
    expect(twins).toEqual([[
      { owner: 'carol', name: 'dup', path: join(reposDir, 'carol/dup'), gitDir: join(reposDir, 'carol/dup/.git'), bare: false },
      { owner: 'carol', name: 'dup', path: join(reposDir, 'carol/dup.git'), gitDir: join(reposDir, 'carol/dup.git'), bare: true },
    ]]);
    expect(repos).toEqual([
      { owner: 'alice', name: 'app', path: join(reposDir, 'alice/app.git'), gitDir: join(reposDir, 'alice/app.git'), bare: true },
      { owner: 'alice', name: 'site', path: join(reposDir, 'alice/site'), gitDir: join(reposDir, 'alice/site/.git'), bare: false },
      { owner: 'bob', name: 'tool', path: join(reposDir, 'bob/tool.git'), gitDir: join(reposDir, 'bob/tool.git'), bare: true },
    ]);
    expect(problems.map((problem) => [problem.path.slice(reposDir.length + 1), problem.message])).toEqual([
      ['bob/notes', 'not a git repository'],
      ['bob/readme.txt', 'not a folder: expected a git repository'],
      ['carol/dup', `carol/dup is also at ${join(reposDir, 'carol/dup.git')}`],
      ['carol/dup.git', `carol/dup is also at ${join(reposDir, 'carol/dup')}`],
      ['stray.txt', 'not a folder: expected an owner folder holding repositories'],
      ['toplevel.git', 'looks like a repository: repositories must be at <owner>/<name>'],
    ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)));
  });

  it('reports a missing repos folder instead of throwing', async () => {
    const missing = join(await createTempDir(), 'nope');
    const { repos, problems } = await discoverRepositories(missing);
    expect(repos).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.path).toBe(missing);
    expect(problems[0]?.message).toMatch(/cannot read folder/);
  });
});
