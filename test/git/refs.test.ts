import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GitError, closeGitRepositories, gitRepository, hasNoRefsYet } from '../../server/adapters/git/index.js';
import { listRefs as listRefsFromDisk, listRefsWithGit, refValuesFromFiles } from '../../server/adapters/git/refs.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, git, push, removeTempDirs, revParse } from './fixtures.js';
import { cpuMs } from '../support/cpu-time.js';

afterAll(async () => {
  closeGitRepositories();
  await removeTempDirs();
});

const listRefs = (gitDir: string) => gitRepository(gitDir).listRefs();

describe('listRefs', () => {
  let bare: string;
  let work: string;
  let first: string;
  let second: string;
  let annotated: string;

  beforeAll(async () => {
    bare = await createBareRepo();
    work = await createWorkRepo(bare);
    first = await commitFiles(work, { 'a.txt': 'a' });
    second = await commitFiles(work, { 'b.txt': 'b' });
    await git(['tag', 'light', first], work);
    await git(['tag', '-a', 'annotated', '-m', 'release', second], work);
    annotated = await revParse(work, 'refs/tags/annotated');
    await push(work, 'main');
    await push(work, `${first}:refs/heads/feature/x`);
    await push(work, '--tags');
    // Refs outside heads and tags are not listed.
    await git(['update-ref', 'refs/pull/1/head', first], bare);
    await git(['update-ref', 'refs/notes/commits', first], bare);
  });

  const expected = () =>
    new Map([
      ['refs/heads/feature/x', first],
      ['refs/heads/main', second],
      ['refs/tags/annotated', annotated],
      ['refs/tags/light', first],
    ]);

  it('lists branches and tags as loose refs; an annotated tag gives the tag object', async () => {
    expect(annotated).not.toBe(second);
    expect(await listRefs(bare)).toEqual(expected());
  });

  it('lists the same after git pack-refs, and sees loose refs that override packed ones', async () => {
    await git(['pack-refs', '--all'], bare);
    expect(await listRefs(bare)).toEqual(expected());
    const third = await commitFiles(work, { 'c.txt': 'c' });
    await push(work, 'main');
    expect((await listRefs(bare)).get('refs/heads/main')).toBe(third);
    await git(['update-ref', '-d', 'refs/tags/light'], bare);
    expect((await listRefs(bare)).has('refs/tags/light')).toBe(false);
  });

  it('peels tags to the commit to read workflows from', async () => {
    const repository = gitRepository(bare);
    expect(await repository.peel(annotated)).toBe(second);
    expect(await repository.peel(first)).toBe(first);
    expect(await repository.peel('refs/tags/annotated')).toBe(second);
    const tree = await revParse(bare, `${first}^{tree}`);
    const missing = 'f'.repeat(40);
    expect(await Promise.all([annotated, tree, missing].map((id) => repository.peel(id)))).toEqual([second, null, null]);
  });

  it('returns an empty map for an empty repository', async () => {
    expect(await listRefs(await createBareRepo())).toEqual(new Map());
  });

  it('is fast with thousands of refs, loose or packed', async () => {
    const many = await createBareRepo();
    const seed = await createWorkRepo(many);
    const commit = await commitFiles(seed, { 'a.txt': 'a' });
    await push(seed, 'main');
    const count = 5000;
    const lines = Array.from({ length: count }, (_, i) => `create refs/heads/branch-${i} ${commit}\n`).join('');
    await git(['update-ref', '--stdin'], many, { input: lines });

    for (const pack of [false, true]) {
      if (pack) await git(['pack-refs', '--all'], many);
      const started = cpuMs(); // git's included: it is waited for
      const refs = await listRefs(many);
      expect(refs.size).toBe(count + 1);
      expect(refs.get('refs/heads/branch-4321')).toBe(commit);
      expect(cpuMs() - started).toBeLessThan(2000);
    }
  });

  it('throws a GitError with git\'s message for a folder that is not a repository', async () => {
    const error = await listRefs(await createTempDir()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitError);
    expect((error as GitError).stderr).toMatch(/not a git repository/);
    expect((error as GitError).message).toMatch(/for-each-ref/);
  });
});

describe('listRefs from the files', () => {
  // The files are read without a process; what they give must be what `git for-each-ref` gives, whatever the
  // layout. Each case changes one repository further; both readings are compared after each.
  let bare: string;
  let work: string;
  let commits: string[];

  beforeAll(async () => {
    bare = await createBareRepo();
    work = await createWorkRepo(bare);
    commits = [await commitFiles(work, { 'a.txt': 'a' }), await commitFiles(work, { 'a.txt': 'b' })];
    await push(work, 'main');
  });

  const step = (label: string, change: () => Promise<void>) => [label, change] as const;
  it.each([
    step('one loose branch', async () => undefined),
    step('nested branches and tags, annotated too', async () => {
      await git(['update-ref', 'refs/heads/feature/deep/x', commits[0]!], bare);
      await git(['tag', '-a', 'v1', '-m', 'v1', commits[0]!], work);
      await push(work, 'v1');
      await git(['update-ref', 'refs/tags/light', commits[1]!], bare);
      await git(['update-ref', 'refs/notes/commits', commits[0]!], bare);
    }),
    step('all packed', async () => { await git(['pack-refs', '--all'], bare); }),
    step('a loose ref over its packed value, a packed one deleted', async () => {
      await git(['update-ref', 'refs/heads/feature/deep/x', commits[1]!], bare);
      await git(['update-ref', '-d', 'refs/tags/light'], bare);
    }),
    step('a name that is not UTF-8', async () => {
      await writeFile(Buffer.concat([Buffer.from(`${bare}/refs/heads/caf`), Buffer.from([0xe9])]), `${commits[0]}\n`);
    }),
    step('a lock file being written', async () => { await writeFile(path.join(bare, 'refs', 'heads', 'main.lock'), `${commits[0]}\n`); }),
    step('an empty folder left by a deleted branch', async () => { await mkdir(path.join(bare, 'refs', 'heads', 'gone'), { recursive: true }); }),
    step('a symbolic ref (git reads it)', async () => { await git(['symbolic-ref', 'refs/heads/alias', 'refs/heads/main'], bare); }),
  ])('%s', async (label, change) => {
    await change();
    const fromGit = await listRefsWithGit(bare);
    expect(await listRefsFromDisk(bare)).toEqual(fromGit);
    expect(fromGit.size).toBeGreaterThan(0);
    // A push's refs read by name, one of them missing: the same values, or null where git must be asked.
    const named = refValuesFromFiles(bare, [...fromGit.keys(), 'refs/heads/never-pushed']);
    if (label.startsWith('a symbolic ref')) expect(named).toBeNull();
    else expect(named).toEqual(fromGit);
  });
});

describe('defaultBranch', () => {
  it.each([
    ['HEAD → main in an empty repository', [], 'main'],
    ['HEAD → trunk', [['symbolic-ref', 'HEAD', 'refs/heads/trunk']], 'trunk'],
    ['HEAD outside refs/heads', [['symbolic-ref', 'HEAD', 'refs/other/x']], null],
  ])('%s', async (_label, commands, expected) => {
    const bare = await createBareRepo();
    for (const args of commands) await git(args, bare);
    expect(await gitRepository(bare).defaultBranch()).toBe(expected);
  });

  it('is null when HEAD is detached', async () => {
    const work = await createWorkRepo();
    const commit = await commitFiles(work, { 'a.txt': 'a' });
    await git(['checkout', '-q', '--detach', commit], work);
    expect(await gitRepository(`${work}/.git`).defaultBranch()).toBeNull();
  });
});

describe('peel and isAncestor', () => {
  let bare: string;
  let parent: string;
  let child: string;
  let sibling: string;
  let tag: string;

  beforeAll(async () => {
    bare = await createBareRepo();
    const work = await createWorkRepo(bare);
    parent = await commitFiles(work, { 'a.txt': 'a' });
    child = await commitFiles(work, { 'b.txt': 'b' });
    await git(['checkout', '-q', '-b', 'side', parent], work);
    sibling = await commitFiles(work, { 'c.txt': 'c' });
    await git(['tag', '-a', 'v1', '-m', 'v1', child], work);
    tag = await revParse(work, 'refs/tags/v1');
    await push(work, 'main');
    await push(work, 'side');
    await push(work, 'v1');
  });

  it.each([
    ['a commit', () => parent, () => parent],
    ['an annotated tag of a commit', () => tag, () => child],
    ['a missing id', () => 'e'.repeat(40), () => null],
    ['the zero id', () => '0'.repeat(40), () => null],
  ])('peel: %s', async (_label, id, expected) => {
    expect(await gitRepository(bare).peel(id())).toBe(expected());
  });

  it.each([
    ['parent → child (fast-forward)', () => [parent, child], true],
    ['child → parent', () => [child, parent], false],
    ['a commit → itself', () => [child, child], true],
    ['siblings (forced update)', () => [child, sibling], false],
  ])('isAncestor: %s', async (_label, pair, expected) => {
    const [a, b] = pair() as [string, string];
    expect(await gitRepository(bare).isAncestor(a, b)).toBe(expected);
  });

  it('isAncestor throws a GitError when a commit is missing', async () => {
    await expect(gitRepository(bare).isAncestor('e'.repeat(40), child)).rejects.toBeInstanceOf(GitError);
    await expect(gitRepository(bare).isAncestor(child, 'e'.repeat(40))).rejects.toBeInstanceOf(GitError);
  });

  it('mergeBase: where two branches forked', async () => {
    expect(await gitRepository(bare).mergeBase(child, sibling)).toBe(parent);
    expect(await gitRepository(bare).mergeBase(child, parent)).toBe(parent);
  });

  it('changedFilesOfPullRequest: the files from the merge base to the head', async () => {
    expect(await gitRepository(bare).changedFilesOfPullRequest(child, sibling, 10)).toEqual({ files: ['c.txt'], truncated: false });
  });

  it('rejects object names that would read as options', async () => {
    await expect(gitRepository(bare).mergeBase('--all', child)).rejects.toThrow(/invalid git object name/);
  });
});

describe('hasNoRefsYet', () => {
  it('is true for a folder being made, an empty repository, and one with only other refs; false with a branch or tag, loose or packed', async () => {
    const dir = await createTempDir();
    expect(await hasNoRefsYet(dir)).toBe(true); // no HEAD yet: `git init` has not finished
    const bare = await createBareRepo(`${dir}/x.git`);
    expect(await hasNoRefsYet(bare)).toBe(true);
    const work = await createWorkRepo(bare);
    const sha = await commitFiles(work, { 'a.txt': 'a' });
    await push(work, `${sha}:refs/notes/other`);
    expect(await hasNoRefsYet(bare)).toBe(true);
    await push(work, `${sha}:refs/tags/v1`);
    expect(await hasNoRefsYet(bare)).toBe(false);
    await git(['pack-refs', '--all'], bare);
    expect(await hasNoRefsYet(bare)).toBe(false);
    expect(await hasNoRefsYet(work)).toBe(false); // a work tree's .git
  });
});
