import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitError, GitRepository } from '../../server/adapters/git/index.js';
import { GitObjectReader } from '../../server/adapters/git/object-reader.js';
import { walkIsAncestor } from '../../server/adapters/git/object-walks.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, git, push, removeTempDirs } from './fixtures.js';

let bare: string;
let work: string;
const commits: string[] = [];
let reader: GitObjectReader;

beforeAll(async () => {
  bare = await createBareRepo();
  work = await createWorkRepo(bare);
  for (let i = 0; i < 6; i++) commits.push(await commitFiles(work, { 'n.txt': String(i) }, `c${i}`));
  await git(['tag', '-a', 'v1', '-m', 'v1', commits[2]!], work);
  await push(work, 'main');
  await push(work, 'v1');
  reader = new GitObjectReader(bare);
});

afterAll(async () => {
  reader.close();
  await removeTempDirs();
});

describe('GitObjectReader', () => {
  it('answers many concurrent requests in order, contents and info mixed', async () => {
    const answers = await Promise.all(commits.flatMap((c) => [reader.contents(c), reader.info(c)]));
    answers.forEach((answer, i) => {
      expect(answer?.oid).toBe(commits[Math.floor(i / 2)]);
      expect(answer?.type).toBe('commit');
    });
    const first = answers[0] as unknown as { content: Buffer };
    expect(first.content.toString()).toMatch(/^tree [0-9a-f]{40}\n/);
  });

  it('answers null for a missing object and keeps going', async () => {
    expect(await reader.contents('e'.repeat(40))).toBeNull();
    expect(await reader.info('no-such-ref')).toBeNull();
    expect((await reader.info(commits[0]!))?.type).toBe('commit');
  });

  it('starts again after being closed', async () => {
    reader.close();
    expect((await reader.info(commits[1]!))?.oid).toBe(commits[1]);
  });

  it('peels like git: an annotated tag to its commit', async () => {
    const tag = await git(['rev-parse', 'v1'], bare);
    const repository = new GitRepository(bare);
    expect(await repository.peel(tag)).toBe(await git(['rev-parse', `${tag}^{commit}`], bare));
    expect(await repository.peel(tag)).toBe(commits[2]);
    repository.close();
  });

  it('tells ancestry by walking as git merge-base does, and gives up (null) past its walk limit', async () => {
    const walking = new GitRepository(bare);
    const askingGit = new GitRepository(bare, { ancestryWalkLimit: 0 });
    for (const [a, b, expected] of [[0, 5, true], [5, 0, false], [3, 3, true], [2, 4, true]] as const) {
      expect(await walking.isAncestor(commits[a]!, commits[b]!)).toBe(expected);
      expect(await askingGit.isAncestor(commits[a]!, commits[b]!)).toBe(expected);
    }
    expect(await walkIsAncestor(reader, commits[0]!, commits[5]!, 2)).toBeNull();
    expect(await askingGit.isFastForward(commits[0]!, commits[5]!)).toBe(true);
    expect(await walking.isFastForward('e'.repeat(40), commits[5]!)).toBe(false);
    walking.close();
    askingGit.close();
  });

  it('fails requests with a GitError for a folder that is not a repository', async () => {
    const broken = new GitObjectReader(await createTempDir());
    await expect(broken.info('HEAD')).rejects.toBeInstanceOf(GitError);
    broken.close();
  });
});
