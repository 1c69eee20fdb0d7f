// Finding repositories on disk: a path → its git dir, and a repos folder laid out
// as `<owner>/<name>.git` (bare) or `<owner>/<name>/` (non-bare).
import { statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { GitError, runGit } from './run.js';
import { mapLimit } from '../../core/async/map-limit.js';

/** Where a repository is: its git dir, and whether it is bare. */
export interface RepositoryLocation {
  /** Absolute path of the git dir (`x.git`, or `x/.git` resolved through a gitfile). */
  gitDir: string;
  bare: boolean;
}

export interface DiscoveredRepository extends RepositoryLocation {
  owner: string;
  name: string;
  /** The folder found under the repos folder (`<reposDir>/<owner>/<name>.git`). */
  path: string;
}

export interface DiscoveryProblem {
  path: string;
  message: string;
}

export interface Discovery {
  repos: DiscoveredRepository[];
  problems: DiscoveryProblem[];
  /** Repositories that share an `<owner>/<name>` (`x.git` and `x/`), each group sorted by path; none is in `repos`. */
  twins: DiscoveredRepository[][];
}

const DISCOVERY_CONCURRENCY = 8;

// Synchronous, as the reads of refs.ts: a stat of a local file is a few µs, its asynchronous form several times
// that of the main thread's time, and a start stats every entry of 10,000 repositories.
async function statOrNull(path: string): Promise<Stats | null> {
  try {
    return statSync(path, { throwIfNoEntry: false }) ?? null;
  } catch {
    return null;
  }
}

/** Asks git whether `candidate` is a git dir; null when it is not a repository. */
async function probeGitDir(candidate: string): Promise<RepositoryLocation | null> {
  try {
    const { stdout } = await runGit(['rev-parse', '--absolute-git-dir', '--is-bare-repository'], {
      gitDir: candidate,
    });
    const [gitDir, bare] = stdout.toString('utf8').split('\n');
    if (!gitDir) return null;
    return { gitDir, bare: bare === 'true' };
  } catch (error) {
    if (error instanceof GitError && /not a git repository/i.test(error.stderr)) return null;
    throw error;
  }
}

/**
 * The git dir of a bare repository folder, or of a non-bare one (its `.git`).
 * Null when the path is not a git repository; never looks in parent folders.
 * Throws GitError for other failures (e.g. git refusing a repository owned by
 * another user), whose message says why.
 */
export async function resolveRepository(path: string): Promise<RepositoryLocation | null> {
  const dir = resolve(path);
  if (!(await statOrNull(dir))?.isDirectory()) return null;
  // The usual layouts are recognised without a git process: starting a thousand repositories must be quick.
  if (await hasGitDirLayout(dir)) return { gitDir: dir, bare: basename(dir) !== '.git' };
  if (await hasGitDirLayout(join(dir, '.git'))) return { gitDir: join(dir, '.git'), bare: false };
  const dotGit = join(dir, '.git');
  if ((await statOrNull(dotGit)) !== null) {
    const repository = await probeGitDir(dotGit);
    return repository === null ? null : { gitDir: repository.gitDir, bare: false };
  }
  return probeGitDir(dir);
}

/** A folder with git's own files (HEAD, objects/, refs/); gitfiles and odd layouts are left to git. */
async function hasGitDirLayout(dir: string): Promise<boolean> {
  const [head, objects, refs] = await Promise.all([
    statOrNull(join(dir, 'HEAD')), statOrNull(join(dir, 'objects')), statOrNull(join(dir, 'refs')),
  ]);
  return Boolean(head?.isFile() && objects?.isDirectory() && refs?.isDirectory());
}

async function listFolder(path: string, problems: DiscoveryProblem[]): Promise<string[]> {
  try {
    // Hidden entries (`.DS_Store`, `.tmp`) are not owners or repositories.
    return (await readdir(path)).filter((entry) => !entry.startsWith('.')).sort();
  } catch (error) {
    problems.push({ path, message: `cannot read folder: ${(error as Error).message}` });
    return [];
  }
}

/** Cheap check (no git process) for a repository put directly under reposDir. */
async function looksLikeRepository(path: string): Promise<boolean> {
  if ((await statOrNull(join(path, '.git'))) !== null) return true;
  return Boolean((await statOrNull(join(path, 'HEAD')))?.isFile() && (await statOrNull(join(path, 'objects')))?.isDirectory());
}

interface Candidate {
  owner: string;
  name: string;
  path: string;
}

/**
 * Repositories under `reposDir` as `<owner>/<name>`: `<name>.git` (usually bare) is
 * named `<name>`; `<name>/` (usually non-bare) too. Anything else found at those two
 * levels (files, folders that aren't repositories, a repository directly under
 * reposDir, two folders giving the same name) is reported in `problems`, as is a
 * missing reposDir. Hidden entries are ignored. Repos sorted by owner then name,
 * problems by path.
 */
export async function discoverRepositories(reposDir: string): Promise<Discovery> {
  const root = resolve(reposDir);
  const problems: DiscoveryProblem[] = [];
  const candidates: Candidate[] = [];

  for (const owner of await listFolder(root, problems)) {
    const ownerPath = join(root, owner);
    if (!(await statOrNull(ownerPath))?.isDirectory()) {
      problems.push({ path: ownerPath, message: 'not a folder: expected an owner folder holding repositories' });
      continue;
    }
    if (await looksLikeRepository(ownerPath)) {
      problems.push({ path: ownerPath, message: 'looks like a repository: repositories must be at <owner>/<name>' });
      continue;
    }
    for (const entry of await listFolder(ownerPath, problems)) {
      const path = join(ownerPath, entry);
      const name = entry.endsWith('.git') ? entry.slice(0, -'.git'.length) : entry;
      if (!(await statOrNull(path))?.isDirectory()) {
        problems.push({ path, message: 'not a folder: expected a git repository' });
      } else {
        candidates.push({ owner, name, path });
      }
    }
  }

  const resolved = await mapLimit(candidates, DISCOVERY_CONCURRENCY, async (candidate) => {
    try {
      return await resolveRepository(candidate.path);
    } catch (error) {
      return error as Error;
    }
  });

  const byKey = new Map<string, DiscoveredRepository[]>();
  candidates.forEach((candidate, index) => {
    const result = resolved[index];
    if (result instanceof Error) {
      problems.push({ path: candidate.path, message: result.message });
      return;
    }
    if (result === null || result === undefined) {
      problems.push({ path: candidate.path, message: 'not a git repository' });
      return;
    }
    const key = `${candidate.owner}/${candidate.name}`;
    byKey.set(key, [...(byKey.get(key) ?? []), { ...candidate, ...result }]);
  });
  const repos: DiscoveredRepository[] = [];
  const twins: DiscoveredRepository[][] = [];
  for (const [key, found] of byKey) {
    if (found.length === 1) repos.push(found[0] as DiscoveredRepository);
    else {
      twins.push(found.sort((a, b) => compare(a.path, b.path)));
      for (const twin of found) problems.push({ path: twin.path, message: `${key} is also at ${found.filter((t) => t !== twin).map((t) => t.path).join(', ')}` });
    }
  }
  repos.sort((a, b) => (a.owner === b.owner ? compare(a.name, b.name) : compare(a.owner, b.owner)));
  problems.sort((a, b) => compare(a.path, b.path));
  return { repos, problems, twins };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
