import { afterAll, describe, expect, it } from 'vitest';
import { closeGitRepositories, gitRepository } from '../../server/adapters/git/index.js';
import type { ChangedFilesQuery, ChangedFilesResult } from '../../server/adapters/git/index.js';
import { ZERO_ID, commitFiles, createBareRepo, createWorkRepo, git, push, removeTempDirs, revParse } from './fixtures.js';

afterAll(async () => {
  closeGitRepositories();
  await removeTempDirs();
});

interface Scenario {
  bare: string;
  work: string;
}

interface Case {
  name: string;
  /** Builds the repository by pushing to `bare`; returns the query for the push under test. */
  build: (s: Scenario) => Promise<ChangedFilesQuery>;
  expected: ChangedFilesResult;
}

const main = 'refs/heads/main';
const diff = (files: string[], truncated = false): ChangedFilesResult => ({ files, truncated, basis: 'diff' });
const newCommits = (files: string[], truncated = false): ChangedFilesResult => ({ files, truncated, basis: 'new-commits' });

const cases: Case[] = [
  {
    name: 'update: modified, deleted, added, and renamed (as delete + add)',
    build: async ({ work }) => {
      const before = await commitFiles(work, { 'a.txt': 'a', 'b.txt': 'b', 'd.txt': 'same content', 'keep/x.txt': 'x' });
      await push(work, 'main');
      const after = await commitFiles(work, { 'a.txt': 'a2', 'b.txt': null, 'c.txt': 'c', 'd.txt': null, 'e.txt': 'same content' });
      await push(work, 'main');
      return { before, after, ref: main };
    },
    expected: diff(['a.txt', 'b.txt', 'c.txt', 'd.txt', 'e.txt']),
  },
  {
    name: 'update over several commits, odd file names',
    build: async ({ work }) => {
      const before = await commitFiles(work, { 'a.txt': 'a' });
      await push(work, 'main');
      await commitFiles(work, { 'dir with space/b c.txt': 'b' });
      const after = await commitFiles(work, { 'ünï/cødé.txt': 'c', 'new\nline.txt': 'n', 'a.txt': 'a2' });
      await push(work, 'main');
      return { before, after, ref: main };
    },
    expected: diff(['a.txt', 'dir with space/b c.txt', 'new\nline.txt', 'ünï/cødé.txt']),
  },
  {
    name: 'forced update: the diff of the two trees',
    build: async ({ work }) => {
      const base = await commitFiles(work, { 'a.txt': 'a' });
      const before = await commitFiles(work, { 'b.txt': 'b' });
      await push(work, 'main');
      await git(['reset', '-q', '--hard', base], work);
      const after = await commitFiles(work, { 'c.txt': 'c' });
      await push(work, 'main', { force: true });
      return { before, after, ref: main };
    },
    expected: diff(['b.txt', 'c.txt']),
  },
  {
    name: 'new branch off main with new commits: only their files',
    build: async ({ work }) => {
      await commitFiles(work, { 'a.txt': 'a', 'b.txt': 'b' });
      await push(work, 'main');
      await git(['checkout', '-q', '-b', 'feature'], work);
      await commitFiles(work, { 'f1.txt': '1' });
      const after = await commitFiles(work, { 'f1.txt': '1b', 'f2.txt': '2' });
      await push(work, 'feature');
      return { before: ZERO_ID, after, ref: 'refs/heads/feature' };
    },
    expected: newCommits(['f1.txt', 'f2.txt']),
  },
  {
    name: 'new branch at an existing commit: nothing',
    build: async ({ work }) => {
      const after = await commitFiles(work, { 'a.txt': 'a' });
      await push(work, 'main');
      await push(work, 'main:refs/heads/copy');
      return { before: ZERO_ID, after, ref: 'refs/heads/copy' };
    },
    expected: newCommits([]),
  },
  {
    name: 'first push to an empty repository: every file of every commit',
    build: async ({ work }) => {
      await commitFiles(work, { 'a.txt': 'a', 'dir/b.txt': 'b' });
      const after = await commitFiles(work, { 'c.txt': 'c', 'a.txt': null });
      await push(work, 'main');
      return { before: ZERO_ID, after, ref: main };
    },
    expected: newCommits(['a.txt', 'c.txt', 'dir/b.txt']),
  },
  {
    name: 'new root (orphan) branch next to main',
    build: async ({ work }) => {
      await commitFiles(work, { 'a.txt': 'a' });
      await push(work, 'main');
      await git(['checkout', '-q', '--orphan', 'pages'], work);
      await git(['rm', '-q', '-rf', '.'], work);
      const after = await commitFiles(work, { 'index.html': 'x', 'css/site.css': 'y' });
      await push(work, 'pages');
      return { before: ZERO_ID, after, ref: 'refs/heads/pages' };
    },
    expected: newCommits(['css/site.css', 'index.html']),
  },
  {
    name: 'new branch made only of a merge of known commits: nothing (merges list no files)',
    build: async ({ work }) => {
      const base = await commitFiles(work, { 'a.txt': 'a' });
      await push(work, 'main');
      await git(['checkout', '-q', '-b', 'side', base], work);
      await commitFiles(work, { 's.txt': 's' });
      await push(work, 'side');
      await git(['checkout', '-q', '-b', 'merged', 'main'], work);
      await commitFiles(work, { 'm.txt': 'm' });
      await push(work, 'merged');
      await git(['merge', '-q', '--no-edit', 'side'], work);
      const after = await revParse(work, 'HEAD');
      await push(work, 'merged:refs/heads/merged2');
      return { before: ZERO_ID, after, ref: 'refs/heads/merged2' };
    },
    expected: newCommits([]),
  },
  {
    name: 'deleted ref: nothing',
    build: async ({ work }) => {
      const before = await commitFiles(work, { 'a.txt': 'a' });
      await push(work, 'main');
      await push(work, 'main:refs/heads/gone');
      await push(work, ':refs/heads/gone');
      return { before, after: ZERO_ID, ref: 'refs/heads/gone' };
    },
    expected: { files: [], truncated: false, basis: 'none' },
  },
  {
    name: 'new annotated tag on an existing commit: nothing',
    build: async ({ work }) => {
      await commitFiles(work, { 'a.txt': 'a' });
      await push(work, 'main');
      await git(['tag', '-a', 'v1', '-m', 'v1'], work);
      await push(work, 'v1');
      return { before: ZERO_ID, after: await revParse(work, 'refs/tags/v1'), ref: 'refs/tags/v1' };
    },
    expected: newCommits([]),
  },
  {
    name: 'annotated tag moved: diff of the commits the tags point to',
    build: async ({ work }) => {
      await commitFiles(work, { 'a.txt': 'a' });
      await git(['tag', '-a', 'v1', '-m', 'v1'], work);
      const before = await revParse(work, 'refs/tags/v1');
      await push(work, 'main');
      await push(work, 'v1');
      await commitFiles(work, { 'b.txt': 'b' });
      await git(['tag', '-f', '-a', 'v1', '-m', 'v1 again'], work);
      await push(work, 'main');
      await push(work, 'v1', { force: true });
      return { before, after: await revParse(work, 'refs/tags/v1'), ref: 'refs/tags/v1' };
    },
    expected: diff(['b.txt']),
  },
  {
    name: 'update whose before is gone from the repository: handled as a new ref',
    build: async ({ work }) => {
      await commitFiles(work, { 'a.txt': 'a' });
      await push(work, 'main');
      await push(work, 'main:refs/heads/dev');
      const after = await commitFiles(work, { 'b.txt': 'b' });
      await push(work, 'main');
      return { before: 'd'.repeat(40), after, ref: main };
    },
    expected: newCommits(['b.txt']),
  },
  {
    name: 'new branch with knownTips from the stored ref state (missing ids ignored)',
    build: async ({ work }) => {
      await commitFiles(work, { 'a.txt': 'a' });
      const known = await commitFiles(work, { 'b.txt': 'b' });
      const after = await commitFiles(work, { 'c.txt': 'c' });
      await push(work, 'main');
      await push(work, 'main:refs/heads/feature');
      return { before: ZERO_ID, after, ref: 'refs/heads/feature', knownTips: [known, 'e'.repeat(40)] };
    },
    expected: newCommits(['c.txt']),
  },
  {
    name: 'update past maxFiles: truncated',
    build: async ({ work }) => {
      const before = await commitFiles(work, { 'a.txt': 'a' });
      await push(work, 'main');
      const after = await commitFiles(work, { '1.txt': '1', '2.txt': '2', '3.txt': '3', '4.txt': '4', '5.txt': '5' });
      await push(work, 'main');
      return { before, after, ref: main, maxFiles: 3 };
    },
    expected: diff(['1.txt', '2.txt', '3.txt'], true),
  },
  {
    name: 'update with exactly maxFiles files: not truncated',
    build: async ({ work }) => {
      const before = await commitFiles(work, { 'a.txt': 'a' });
      await push(work, 'main');
      const after = await commitFiles(work, { '1.txt': '1', '2.txt': '2', '3.txt': '3' });
      await push(work, 'main');
      return { before, after, ref: main, maxFiles: 3 };
    },
    expected: diff(['1.txt', '2.txt', '3.txt']),
  },
  {
    name: 'new branch past maxCommits: truncated, files of the newest commits',
    build: async ({ work }) => {
      await commitFiles(work, { 'old.txt': 'o' });
      await commitFiles(work, { 'x.txt': '1' });
      await commitFiles(work, { 'y.txt': '2' });
      const after = await commitFiles(work, { 'z.txt': '3' });
      await push(work, 'main');
      return { before: ZERO_ID, after, ref: main, maxCommits: 3 };
    },
    expected: newCommits(['x.txt', 'y.txt', 'z.txt'], true),
  },
  {
    name: 'new branch past maxFiles: truncated',
    build: async ({ work }) => {
      const after = await commitFiles(work, { '1.txt': '1', '2.txt': '2', '3.txt': '3' });
      await push(work, 'main');
      return { before: ZERO_ID, after, ref: main, maxFiles: 2 };
    },
    expected: newCommits(['1.txt', '2.txt'], true),
  },
];

// An update is a tree comparison through the object reader; a new ref (or a gone `before`) asks git for its new
// commits. Every case goes through the one method the trigger calls.
describe('GitRepository.changedFilesOfPush', () => {
  it.each(cases)('$name', async ({ build, expected }) => {
    const bare = await createBareRepo();
    const work = await createWorkRepo(bare);
    const query = await build({ bare, work });
    expect(await gitRepository(bare).changedFilesOfPush(query)).toEqual(expected);
  });
});
