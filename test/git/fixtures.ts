// Real git repositories in temporary folders, for tests (also the end-to-end ones), made with simple-git.
// Nothing depends on the machine's git config: global/system config are disabled
// for this process and its children (which includes the adapter under test).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { simpleGitIn } from '../../server/adapters/git/simple.js';

process.env.GIT_CONFIG_GLOBAL = '/dev/null';
process.env.GIT_CONFIG_NOSYSTEM = '1';

const execFileAsync = promisify(execFile);

const TEST_ENV: NodeJS.ProcessEnv = {
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_COMMITTER_NAME: 'Test Committer',
  GIT_COMMITTER_EMAIL: 'committer@example.com',
  // The fixtures are a user's git: refs/replace/* apply, so a test can tell them from what the adapter reads.
  GIT_NO_REPLACE_OBJECTS: undefined,
};

const CONFIG = ['init.defaultBranch=main', 'core.autocrlf=false', 'commit.gpgSign=false', 'tag.gpgSign=false'];

/** Runs git in `cwd` with the test config; resolves with stdout minus the final newline. */
export async function git(args: readonly string[], cwd: string, options: { input?: string } = {}): Promise<string> {
  try {
    return (await simpleGitIn(cwd, { env: TEST_ENV, config: CONFIG, ...options }).raw([...args])).replace(/\n$/, '');
  } catch (error) {
    throw new Error(`git ${args.join(' ')} (in ${cwd}) failed: ${(error as Error).message}`);
  }
}

const tempDirs: string[] = [];

export async function createTempDir(prefix = 'plue-git-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Removes every folder made by createTempDir (call it in afterAll). */
export async function removeTempDirs(): Promise<void> {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** `git init --bare` at `path` (default: `<temp>/repo.git`), HEAD → main. */
export async function createBareRepo(path?: string): Promise<string> {
  const repo = path ?? join(await createTempDir(), 'repo.git');
  await mkdir(repo, { recursive: true });
  await git(['init', '-q', '--bare'], repo);
  await git(['symbolic-ref', 'HEAD', 'refs/heads/main'], repo);
  return repo;
}

/** A non-bare repository: a clone of `cloneOf` (remote `origin`), or a fresh `git init`. */
export async function createWorkRepo(cloneOf?: string, path?: string): Promise<string> {
  const work = path ?? join(await createTempDir(), 'work');
  if (cloneOf !== undefined) {
    await git(['clone', '-q', cloneOf, work], dirname(work));
  } else {
    await mkdir(work, { recursive: true });
    await git(['init', '-q'], work);
  }
  await git(['symbolic-ref', 'HEAD', 'refs/heads/main'], work).catch(() => undefined);
  return work;
}

/** Content of a file; null deletes it; symlink/gitlink make those tree entries. */
export type FileSpec = string | Buffer | null | { symlink: string } | { gitlink: string };

/** Writes `files` in the work tree, stages everything and commits; returns the commit id. */
export async function commitFiles(
  work: string,
  files: Record<string, FileSpec>,
  message = 'commit',
  options: { allowEmpty?: boolean } = {},
): Promise<string> {
  const gitlinks: Array<[string, string]> = [];
  for (const [path, spec] of Object.entries(files)) {
    const target = join(work, path);
    await rm(target, { recursive: true, force: true });
    if (spec === null) continue;
    if (typeof spec === 'object' && 'gitlink' in spec) {
      gitlinks.push([path, spec.gitlink]);
      continue;
    }
    await mkdir(dirname(target), { recursive: true });
    if (typeof spec === 'object' && 'symlink' in spec) await symlink(spec.symlink, target);
    else await writeFile(target, spec);
  }
  await git(['add', '-A'], work);
  for (const [path, id] of gitlinks) {
    await git(['update-index', '--add', '--cacheinfo', `160000,${id},${path}`], work);
  }
  await git(['commit', '-q', '--no-verify', '-m', message, ...(options.allowEmpty ? ['--allow-empty'] : [])], work);
  return revParse(work, 'HEAD');
}

/** `git push origin <refspec>` (with --force when asked). */
export async function push(work: string, refspec: string, options: { force?: boolean; remote?: string } = {}): Promise<void> {
  await git(['push', '-q', ...(options.force ? ['--force'] : []), options.remote ?? 'origin', refspec], work);
}

/**
 * `git push` as a pusher types it, as a process: resolves with what it printed on stderr, where git shows the
 * hook's output as `remote:` lines.
 */
export async function pushShowing(work: string, refspec: string): Promise<string> {
  const env = Object.fromEntries(Object.entries({ ...process.env, ...TEST_ENV }).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv;
  const { stderr } = await execFileAsync('git', [...CONFIG.flatMap((c) => ['-c', c]), 'push', 'origin', refspec], { cwd: work, env });
  return stderr;
}

export function revParse(repo: string, revision: string): Promise<string> {
  return git(['rev-parse', '--verify', '-q', revision], repo);
}

export { ZERO_SHA as ZERO_ID } from '../../server/core/refs/diff.js';
