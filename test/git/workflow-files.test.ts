import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitError, closeGitRepositories, gitRepository } from '../../server/adapters/git/index.js';
import type { ReadWorkflowFilesOptions, WorkflowFile } from '../../server/adapters/git/index.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, git, push, removeTempDirs, revParse } from './fixtures.js';

afterAll(async () => {
  closeGitRepositories();
  await removeTempDirs();
});

const W = '.plue/workflows';
const big = '#'.repeat(200);

/** Files as comparable plain data: content as text. */
function summary(files: WorkflowFile[]) {
  return files.map(({ content, ...rest }) => ({ ...rest, ...(content ? { content: content.toString('utf8') } : {}) }));
}

const read = (gitDir: string, commit: string, options?: ReadWorkflowFilesOptions) => gitRepository(gitDir).workflowFiles(commit, options);

describe('GitRepository.workflowFiles', () => {
  let bare: string;
  let work: string;
  let first: string;
  let second: string;
  let blobs: Record<string, string>;

  beforeAll(async () => {
    bare = await createBareRepo();
    work = await createWorkRepo(bare);
    const submodule = await commitFiles(work, { 'seed.txt': 'seed' });
    first = await commitFiles(work, {
      [`${W}/ci.py`]: 'ci v1',
      [`${W}/with space.py`]: 'spaced',
      [`${W}/ünïcødé ✓.py`]: 'unicode',
      [`${W}/tab\tand\nnewline.py`]: 'odd',
      [`${W}/big.py`]: big,
      [`${W}/link.py`]: { symlink: 'ci.py' },
      [`${W}/folder.py/inner.py`]: 'in a folder named .py',
      [`${W}/module.py`]: { gitlink: submodule },
      [`${W}/nested/deep.py`]: 'nested',
      [`${W}/readme.md`]: 'not python',
      [`${W}/script.PY`]: 'wrong case',
      '.plue/other.py': 'not in the folder',
      'ci.py': 'at the root',
    });
    second = await commitFiles(work, { [`${W}/ci.py`]: 'ci v2', [`${W}/late.py`]: 'late' });
    await push(work, 'main');
    blobs = {};
    for (const name of ['ci.py', 'with space.py', 'big.py', 'link.py', 'folder.py', 'module.py']) {
      blobs[name] = await revParse(bare, `${first}:${W}/${name}`);
    }
  });

  it('lists .py files directly in the folder at the commit, reading what is needed', async () => {
    const files = await read(bare, first, { maxBytes: 100 });
    expect(summary(files).sort((a, b) => (a.path < b.path ? -1 : 1))).toEqual([
      { path: `${W}/big.py`, blobSha: blobs['big.py'], size: 200, skipped: 'too-large' },
      { path: `${W}/ci.py`, blobSha: blobs['ci.py'], size: 5, content: 'ci v1' },
      { path: `${W}/folder.py`, blobSha: blobs['folder.py'], size: 0, skipped: 'not-a-file' },
      { path: `${W}/link.py`, blobSha: blobs['link.py'], size: 5, skipped: 'symlink' },
      { path: `${W}/module.py`, blobSha: blobs['module.py'], size: 0, skipped: 'not-a-file' },
      { path: `${W}/tab\tand\nnewline.py`, blobSha: expect.any(String), size: 3, content: 'odd' },
      { path: `${W}/with space.py`, blobSha: blobs['with space.py'], size: 6, content: 'spaced' },
      { path: `${W}/ünïcødé ✓.py`, blobSha: expect.any(String), size: 7, content: 'unicode' },
    ]);
  });

  it('reads files as they are at that commit, not later ones', async () => {
    const contents = async (commit: string) =>
      Object.fromEntries(
        (await read(bare, commit)).filter((f) => f.content).map((f) => [f.path, f.content!.toString()]),
      );
    expect(await contents(first)).not.toHaveProperty(`${W}/late.py`);
    expect(await contents(first)).toMatchObject({ [`${W}/ci.py`]: 'ci v1', [`${W}/big.py`]: big });
    expect(await contents(second)).toMatchObject({ [`${W}/ci.py`]: 'ci v2', [`${W}/late.py`]: 'late' });
  });

  it('never reads the working tree of a non-bare repository', async () => {
    await writeFile(join(work, W, 'ci.py'), 'uncommitted');
    await writeFile(join(work, W, 'untracked.py'), 'untracked');
    const files = await read(join(work, '.git'), second);
    expect(files.find((f) => f.path === `${W}/ci.py`)?.content?.toString()).toBe('ci v2');
    expect(files.find((f) => f.path === `${W}/untracked.py`)).toBeUndefined();
  });

  it('does not read blobs the caller already knows, but still lists them', async () => {
    const files = await read(bare, first, { knownBlobs: { sizeOf: (id) => (id === blobs['ci.py'] ? 5 : undefined) } });
    const ci = files.find((f) => f.path === `${W}/ci.py`);
    expect(ci).toEqual({ path: `${W}/ci.py`, blobSha: blobs['ci.py'], size: 5 });
    expect(files.find((f) => f.path === `${W}/with space.py`)?.content?.toString()).toBe('spaced');
  });

  it('accepts an annotated tag in place of a commit', async () => {
    await git(['tag', '-a', 'v1', '-m', 'v1', first], bare);
    const files = await read(bare, 'refs/tags/v1');
    expect(files.find((f) => f.path === `${W}/ci.py`)?.content?.toString()).toBe('ci v1');
  });

  it('gives the same content to two files with the same blob', async () => {
    const repo = await createWorkRepo();
    const commit = await commitFiles(repo, { [`${W}/a.py`]: 'same', [`${W}/b.py`]: 'same' });
    const files = await read(join(repo, '.git'), commit);
    expect(files.map((f) => f.content?.toString())).toEqual(['same', 'same']);
  });

  it.each([
    ['a missing commit', async () => 'a'.repeat(40)],
    ['a commit without the folder', async (repo: string) => commitFiles(repo, { 'README.md': 'hi' })],
    ['a workflows folder that is a symlink', async (repo: string) =>
      commitFiles(repo, { 'elsewhere/x.py': 'x', [W]: { symlink: '../elsewhere' } })],
    ['a .plue that is a symlink', async (repo: string) =>
      commitFiles(repo, { 'elsewhere/workflows/x.py': 'x', '.plue': { symlink: 'elsewhere' } })],
  ])('returns an empty list for %s', async (_label, makeCommit) => {
    const repo = await createWorkRepo();
    await commitFiles(repo, { 'seed.txt': 'seed' });
    const commit = await makeCommit(repo);
    expect(await read(join(repo, '.git'), commit)).toEqual([]);
  });

  it('throws a GitError for a folder that is not a repository', async () => {
    await expect(read(await createTempDir(), first)).rejects.toBeInstanceOf(GitError);
  });
});
