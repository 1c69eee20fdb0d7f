// Making repositories: the demo repository the service publishes from a folder of files.
import { mkdir, mkdtemp, cp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { simpleGitIn } from './simple.js';

const IDENTITY = {
  GIT_AUTHOR_NAME: 'plue-trigger', GIT_AUTHOR_EMAIL: 'demo@plue.invalid',
  GIT_COMMITTER_NAME: 'plue-trigger', GIT_COMMITTER_EMAIL: 'demo@plue.invalid',
};

/** A bare repository at `bareDir` whose `branch` holds one commit of `folder`'s files. */
export async function createRepositoryFromFolder(bareDir: string, folder: string, options: { branch: string; message: string }): Promise<void> {
  await mkdir(bareDir, { recursive: true });
  await simpleGitIn(bareDir, { env: IDENTITY }).init(true, ['-q', `--initial-branch=${options.branch}`]);
  const work = await mkdtemp(path.join(os.tmpdir(), 'plue-repository-'));
  try {
    await cp(folder, work, { recursive: true });
    const git = simpleGitIn(work, { env: IDENTITY });
    await git.init(['-q', `--initial-branch=${options.branch}`]);
    await git.add('-A');
    await git.commit(options.message, undefined, { '--quiet': null });
    await git.push(bareDir, options.branch, ['-q']);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
