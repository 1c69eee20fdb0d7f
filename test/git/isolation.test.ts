// What the adapter reads is the repository as pushed: not another repository, object store or config that the
// environment names (a hook runs inside `git receive-pack`, which sets some of them), and not what
// refs/replace/* would substitute.
import type { Readable } from 'node:stream';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GitRepository } from '../../server/adapters/git/index.js';
import { runGit, SCRUBBED_GIT_ENV } from '../../server/adapters/git/run.js';
import { ZERO_ID, commitFiles, createBareRepo, createTempDir, createWorkRepo, git, push, removeTempDirs } from './fixtures.js';

afterAll(removeTempDirs);

const CI = '.plue/workflows/ci.py';

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('latin1');
}

async function workflowSource(repository: GitRepository, commit: string): Promise<string | undefined> {
  return (await repository.workflowFiles(commit)).find((f) => f.path === CI)?.content?.toString();
}

describe('the environment of every git call', () => {
  let bare: string;
  let commit: string;
  let hostile: Record<string, string>;
  const saved = new Map<string, string | undefined>();

  beforeAll(async () => {
    bare = await createBareRepo();
    const work = await createWorkRepo(bare);
    commit = await commitFiles(work, { [CI]: 'ci', 'a.txt': 'a' });
    await push(work, 'main');
    const other = await createBareRepo();
    // Each of these, left in place, makes git read elsewhere or fail (checked by hand with git 2.39); the
    // other scrubbed names get a value git would not choose.
    hostile = {
      ...Object.fromEntries(SCRUBBED_GIT_ENV.map((name) => [name, 'hostile'])),
      GIT_DIR: other, GIT_WORK_TREE: other, GIT_INDEX_FILE: join(other, 'index'), GIT_COMMON_DIR: other,
      GIT_OBJECT_DIRECTORY: join(other, 'no-objects'), GIT_ALTERNATE_OBJECT_DIRECTORIES: join(other, 'no-objects'),
      GIT_QUARANTINE_PATH: join(other, 'no-objects'), GIT_NAMESPACE: 'elsewhere', GIT_SHALLOW_FILE: join(other, 'shallow'),
      GIT_CONFIG_PARAMETERS: 'bogus', GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'core.bare', GIT_CONFIG_VALUE_0: 'maybe',
      GIT_EDITOR: 'false', GIT_PAGER: 'false', EDITOR: 'false', PAGER: 'false', GIT_ASKPASS: 'false',
    };
  });

  afterEach(() => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    saved.clear();
  });

  const setHostileEnvironment = () => {
    for (const [name, value] of Object.entries(hostile)) {
      saved.set(name, process.env[name]);
      process.env[name] = value;
    }
  };

  it('reads the given repository through every path: one-shot git, the object reader, the archive, simple-git', async () => {
    setHostileEnvironment();
    const repository = new GitRepository(bare);
    try {
      expect(await repository.listRefs()).toEqual(new Map([['refs/heads/main', commit]]));
      expect(await repository.peel('refs/heads/main')).toBe(commit);
      expect(await workflowSource(repository, commit)).toBe('ci');
      expect(await repository.mergeBase(commit, commit)).toBe(commit);
      expect(await readAll((await repository.archive(commit))!)).toContain('a.txt');
      await access(await repository.installHook('post-receive', '#!/bin/sh\n'));
    } finally {
      repository.close();
    }
  });

  it('hands git none of the scrubbed variables', async () => {
    setHostileEnvironment();
    // A shell alias prints the environment git's children get.
    const { stdout } = await runGit(['-c', 'alias.show-env=!env', 'show-env'], { cwd: await createTempDir() });
    const seen = new Map(stdout.toString('utf8').split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    for (const [name, value] of Object.entries(hostile)) expect(seen.get(name), name).not.toBe(value);
    expect(seen.get('GIT_NO_REPLACE_OBJECTS')).toBe('1');
  });
});

describe('refs/replace/*', () => {
  it('does not change what we read: commits, blobs, changed files and archives are the pushed ones', async () => {
    const bare = await createBareRepo();
    const work = await createWorkRepo(bare);
    const base = await commitFiles(work, { 'a.txt': 'a' });
    const real = await commitFiles(work, { [CI]: 'real', 'b.txt': 'b' });
    await push(work, 'main');
    await git(['checkout', '-q', '-b', 'look-alike', base], work);
    const fake = await commitFiles(work, { [CI]: 'fake', 'c.txt': 'c' });
    await push(work, 'look-alike');
    // The commit replaced as a whole, and its workflow blob on its own.
    await git(['replace', real, fake], bare);
    await git(['replace', await git(['rev-parse', `${real}:${CI}`], work), await git(['rev-parse', `${fake}:${CI}`], work)], bare);
    expect(await git(['show', `${real}:${CI}`], bare)).toBe('fake'); // what plain git now reads

    const repository = new GitRepository(bare);
    try {
      expect(await workflowSource(repository, real)).toBe('real');
      expect(await repository.changedFilesOfPush({ before: base, after: real, ref: 'refs/heads/main' }))
        .toEqual({ files: [CI, 'b.txt'], truncated: false, basis: 'diff' });
      expect(await repository.changedFilesOfPush({ before: ZERO_ID, after: real, ref: 'refs/heads/copy', knownTips: [base] }))
        .toEqual({ files: [CI, 'b.txt'], truncated: false, basis: 'new-commits' });
      const tar = await readAll((await repository.archive(real))!);
      expect(tar).toContain('b.txt');
      expect(tar).not.toContain('c.txt');
      expect(tar).toContain('real');
    } finally {
      repository.close();
    }
  });
});
