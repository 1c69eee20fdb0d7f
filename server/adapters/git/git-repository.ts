// One repository's git: every read the services make, each through the long-lived object reader where a few
// lines on a pipe do it, or through one git process where git walks better (listing refs, new commits, merge
// bases, long ancestry, archives).
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { isZeroSha } from '../../core/refs/diff.js';
import { DEFAULT_MAX_CHANGED_FILES, DEFAULT_MAX_NEW_COMMITS, filesOfNewCommits, otherRefTips } from './changed-files.js';
import type { ChangedFilesQuery, ChangedFilesResult } from './changed-files.js';
import { isAncestor, mergeBase } from './commits.js';
import { GitObjectReader } from './object-reader.js';
import { diffTrees, walkIsAncestor } from './object-walks.js';
import { defaultBranch, listRefs, refValuesFromFiles } from './refs.js';
import { GitError, spawnGit } from './run.js';
import { simpleGitIn } from './simple.js';
import { readWorkflowFiles } from './workflow-files.js';
import type { ReadWorkflowFilesOptions, WorkflowFile } from './workflow-files.js';

export interface GitRepositoryOptions {
  /** Commits the ancestry walk reads through the object reader before asking `git merge-base`. */
  ancestryWalkLimit?: number;
}

const DEFAULT_ANCESTRY_WALK_LIMIT = 256;
const NOTHING_CHANGED: ChangedFilesResult = { files: [], truncated: false, basis: 'none' };
const MAX_STDERR_CHARS = 8_000;

export class GitRepository {
  private readonly reader: GitObjectReader;
  private readonly ancestryWalkLimit: number;

  constructor(readonly gitDir: string, options: GitRepositoryOptions = {}) {
    this.reader = new GitObjectReader(gitDir);
    this.ancestryWalkLimit = options.ancestryWalkLimit ?? DEFAULT_ANCESTRY_WALK_LIMIT;
  }

  /** Stops the object reader; a later read starts it again. */
  close(): void {
    this.reader.close();
  }

  /**
   * Branches and tags, full name → the object id the ref stores (for an annotated tag, the tag object: a re-tag
   * at the same commit is still an update). Read from the files, or one `git for-each-ref` (refs.ts).
   */
  listRefs(): Promise<Map<string, string>> {
    return listRefs(this.gitDir);
  }

  /** What each of these refs points to now (absent: no such ref). */
  async refValues(refs: readonly string[]): Promise<Map<string, string>> {
    // Branches and tags are read from their files: no process, and no wait behind the trigger's object reads.
    if (refs.every((ref) => ref.startsWith('refs/heads/') || ref.startsWith('refs/tags/'))) {
      const fromFiles = refValuesFromFiles(this.gitDir, refs);
      if (fromFiles !== null) return fromFiles;
      if (!this.reader.running) {
        const all = await this.listRefs();
        return new Map(refs.flatMap((ref) => (all.has(ref) ? [[ref, all.get(ref)!] as const] : [])));
      }
    }
    const values = await Promise.all(refs.map((ref) => this.reader.info(ref)));
    const result = new Map<string, string>();
    refs.forEach((ref, i) => {
      const info = values[i];
      if (info) result.set(ref, info.oid);
    });
    return result;
  }

  /** The branch HEAD names (`main`), even with no commit yet; null when HEAD is detached or not a branch. */
  defaultBranch(): Promise<string | null> {
    return defaultBranch(this.gitDir);
  }

  /** The commit an object or ref names (a commit, an annotated tag of one...), or null when there is none. */
  async peel(id: string): Promise<string | null> {
    if (!this.reader.running && /^refs\/(heads|tags)\//.test(id)) {
      const tip = (await this.refValues([id])).get(id);
      if (tip === undefined) return null;
      id = tip;
    }
    const info = await this.reader.info(`${id}^{commit}`);
    return info?.type === 'commit' ? info.oid : null;
  }

  /**
   * True when commit `ancestor` is reachable from `descendant` (a commit is its own ancestor). A short history
   * is walked through the object reader, a long one left to `git merge-base`. Throws GitError when either is
   * not a commit of the repository.
   */
  async isAncestor(ancestor: string, descendant: string): Promise<boolean> {
    const [a, d] = await Promise.all([this.peel(ancestor), this.peel(descendant)]);
    return this.isPeeledAncestor(ancestor, a, descendant, d);
  }

  /** True when `after` contains `before`: a push is forced otherwise. A `before` gone from the repository counts as not contained. */
  async isFastForward(before: string, after: string): Promise<boolean> {
    const [b, a] = await Promise.all([this.peel(before), this.peel(after)]);
    return b !== null && this.isPeeledAncestor(before, b, after, a);
  }

  private async isPeeledAncestor(ancestor: string, a: string | null, descendant: string, d: string | null): Promise<boolean> {
    if (a === null || d === null) {
      const missing = a === null ? ancestor : descendant;
      throw new GitError(`${missing} is not a commit of ${this.gitDir}`, ['merge-base', '--is-ancestor'], null, '', this.gitDir);
    }
    return (await walkIsAncestor(this.reader, a, d, this.ancestryWalkLimit)) ?? isAncestor(this.gitDir, a, d);
  }

  /** The best common ancestor of two commits, or null when they share no history. */
  mergeBase(a: string, b: string): Promise<string | null> {
    return mergeBase(this.gitDir, a, b);
  }

  /**
   * Files a push of `ref` from `before` to `after` changed (see ChangedFilesResult):
   * - update, forced or not: the difference of the two commits' trees (read through the object reader), renames
   *   as delete + add;
   * - new ref, or an update whose `before` is gone (force-push then gc): every file changed by a pushed commit
   *   that no known tip had (`git rev-list`, `git diff-tree`); a ref created at an existing commit changes nothing;
   * - deleted ref: nothing.
   */
  async changedFilesOfPush(query: ChangedFilesQuery): Promise<ChangedFilesResult> {
    if (isZeroSha(query.after)) return NOTHING_CHANGED;
    const [before, after] = await Promise.all([isZeroSha(query.before) ? null : this.peel(query.before), this.peel(query.after)]);
    if (after === null) return NOTHING_CHANGED;
    const maxFiles = query.maxFiles ?? DEFAULT_MAX_CHANGED_FILES;
    if (before !== null) {
      const diff = await diffTrees(this.reader, before, after, maxFiles);
      if (diff !== null) return { ...diff, basis: 'diff' };
    }
    const tips = query.knownTips ?? (await otherRefTips(this.gitDir, query.ref));
    // Only tips that peel to a commit: a stored tip may be gone, a tag may name a tree.
    const known = new Set((await Promise.all([...new Set(tips)].map((tip) => this.peel(tip)))).filter((c): c is string => c !== null));
    return filesOfNewCommits(this.gitDir, after, [...known], { maxFiles, maxCommits: query.maxCommits ?? DEFAULT_MAX_NEW_COMMITS });
  }

  /** Files a pull request changes: from the merge base of base and head to head, as GitHub counts them. */
  async changedFilesOfPullRequest(baseSha: string, headSha: string, maxFiles: number): Promise<{ files: string[]; truncated: boolean }> {
    const base = await this.mergeBase(baseSha, headSha);
    if (base === null) return { files: [], truncated: false };
    return (await diffTrees(this.reader, base, headSha, maxFiles)) ?? { files: [], truncated: false };
  }

  /** `.plue/workflows/*.py` at a commit (see readWorkflowFiles). */
  workflowFiles(commit: string, options: ReadWorkflowFilesOptions = {}): Promise<WorkflowFile[]> {
    return readWorkflowFiles(this.reader, commit, options);
  }

  /** A blob's bytes; null when there is no such blob, or it is over `maxBytes`. */
  async blob(id: string, maxBytes: number): Promise<Buffer | null> {
    const info = await this.reader.info(id);
    if (info === null || info.type !== 'blob' || info.size > maxBytes) return null;
    return (await this.reader.contents(id))?.content ?? null;
  }

  /**
   * The files of `commit` as a tar stream (`git archive`), or null when the repository has no such commit.
   * The stream errors (GitError) when git fails midway.
   */
  async archive(commit: string): Promise<Readable | null> {
    const peeled = await this.peel(commit);
    if (peeled === null) return null;
    return this.streamGit(['archive', '--format=tar', peeled]);
  }

  /**
   * A git pack of the commit, its tree and every file in it, without its history: what a shallow clone of depth 1
   * fetches. Nothing else of the repository is in it (no other branch, commit or object).
   */
  async commitPack(commit: string): Promise<Readable | null> {
    const peeled = await this.peel(commit);
    if (peeled === null) return null;
    const objects = this.streamGit(['rev-list', '--objects', '--no-walk', peeled]);
    return this.streamGit(['pack-objects', '--stdout', '-q'], objects);
  }

  /** One git process's stdout, ended by an error when git fails; `input` is piped to its stdin. */
  private streamGit(args: string[], input?: Readable): Readable {
    const child = spawnGit(args, { gitDir: this.gitDir, stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const stdout = child.stdout as Readable;
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      if (stderr.length < MAX_STDERR_CHARS) stderr += text;
    });
    if (input) {
      input.on('error', (error) => stdout.destroy(error));
      input.pipe(child.stdin!);
      child.stdin!.on('error', () => undefined); // git gone: its exit status says why
    }
    child.on('error', (error) => stdout.destroy(error));
    child.on('close', (code) => {
      if (code !== 0) stdout.destroy(new GitError(`git ${args[0]} exited with ${code} in ${this.gitDir}: ${stderr.trim()}`, args, code, stderr, this.gitDir));
    });
    return stdout;
  }

  /** Where git looks for a hook (`core.hooksPath` included). */
  async hookPath(name: string): Promise<string> {
    const where = await simpleGitIn(this.gitDir).raw(['--git-dir=.', 'rev-parse', '--git-path', `hooks/${name}`]);
    return path.resolve(this.gitDir, where.trim());
  }

  /** Writes a hook script where git looks for it. */
  async installHook(name: string, script: string): Promise<string> {
    const file = await this.hookPath(name);
    await mkdir(path.dirname(file), { recursive: true });
    // Written aside and renamed into place: a push meanwhile runs the old hook or the new one, never half of one.
    const written = `${file}.plue-${process.pid}`;
    await writeFile(written, script);
    await chmod(written, 0o750); // runnable by the repository's owner and group, not by every user
    await rename(written, file);
    return file;
  }
}

const repositories = new Map<string, GitRepository>();

/**
 * The process's GitRepository for a git dir, made on first use. Its object reader starts on a read and stops
 * after a quiet while (and at most 32 run at once), so holding one costs nothing; closeGitRepositories stops
 * them all at shutdown.
 */
export function gitRepository(gitDir: string): GitRepository {
  const key = path.resolve(gitDir);
  let repository = repositories.get(key);
  if (!repository) {
    repository = new GitRepository(key);
    repositories.set(key, repository);
  }
  return repository;
}

export function closeGitRepositories(): void {
  for (const repository of repositories.values()) repository.close();
  repositories.clear();
}
