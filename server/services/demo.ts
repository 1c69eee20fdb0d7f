import { execFile } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'plue-trigger', GIT_AUTHOR_EMAIL: 'demo@plue.invalid',
  GIT_COMMITTER_NAME: 'plue-trigger', GIT_COMMITTER_EMAIL: 'demo@plue.invalid',
};

export async function installPostReceiveHook(gitDir: string, script: string): Promise<void> {
  const file = path.join(gitDir, 'hooks', 'post-receive');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, script);
  await chmod(file, 0o750); // runnable by the repository's owner and group, not by every user
}

/** With an empty repos folder, publishes `test-repo/` as the bare repository `demo/test-repo.git`. */
export async function createDemoRepository(reposDir: string, templateDir: string): Promise<string | null> {
  await mkdir(reposDir, { recursive: true });
  if ((await readdir(reposDir)).length > 0) return null;
  const bare = path.join(reposDir, 'demo', 'test-repo.git');
  const work = await mkdtemp(path.join(os.tmpdir(), 'plue-demo-'));
  try {
    await run('git', ['init', '-q', '--bare', '--initial-branch=main', bare], { env: GIT_ENV });
    await cp(templateDir, work, { recursive: true });
    const git = (...args: string[]) => run('git', ['-C', work, ...args], { env: GIT_ENV });
    await git('init', '-q', '--initial-branch=main');
    await git('add', '-A');
    await git('commit', '-q', '-m', 'Demo repository for plue-trigger');
    await git('push', '-q', bare, 'main');
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return bare;
}
