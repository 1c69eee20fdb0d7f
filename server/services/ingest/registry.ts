import { realpathSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Sql } from '../../adapters/db/connect.js';
import { findRepositories, findRepository, insertRepositories, loadLiveRefsOf, markRepositoryRemoved, setDefaultBranch } from '../../adapters/db/repositories.js';
import type { RepositoryRow } from '../../adapters/db/repositories.js';
import { discoverRepositories, gitRepository, hasNoRefsYet, resolveRepository } from '../../adapters/git/index.js';
import type { DiscoveredRepository, GitRepository } from '../../adapters/git/index.js';
import { isZeroSha } from '../../core/refs/diff.js';
import type { RefUpdate } from '../../core/refs/diff.js';
import { registerRepository } from './register.js';
import { recordHookUpdates, syncRefs } from './sync-refs.js';
import type { EventSource } from './record-ref-updates.js';
import { mapLimit } from '../../core/async/map-limit.js';
import { firstPushedRef } from '../../adapters/db/events.js';
import { defaultBranchOf } from '../../core/refs/default-branch.js';
import type { DefaultBranch } from '../../core/refs/default-branch.js';
import { asError } from '../../logger.js';

export interface KnownRepository {
  key: string;
  row: RepositoryRow;
  gitDir: string;
  /** gitDir with symbolic links resolved, as a hook reports it. */
  realGitDir: string;
  bare: boolean;
  /** Its git reads (shared with every other user of the same git dir). */
  git: GitRepository;
}

export interface RegistryListener {
  /** New events were recorded for the repository. */
  onEvents(repositoryId: number): void;
  /** A repository was seen for the first time, or its default branch changed: describe its workflows. */
  onDefaultBranchToDescribe?(repo: KnownRepository): Promise<void>;
  /** Many repositories seen for the first time at once (a start): describe their workflows. */
  onRegisteredToDescribe?(repos: KnownRepository[]): Promise<void>;
  onWatched?(repo: KnownRepository): void;
  onUnwatched?(key: string): void;
}

export interface RegistryOptions {
  /** Ref updates of one push that get events (PLUE_MAX_REFS_PER_PUSH). Default 1000. */
  maxRefsPerPush?: number;
}

const SCAN_CONCURRENCY = 8;
/** Reads of the files and database writes of a start: no process each, so more at once. */
const BULK_CONCURRENCY = 16;
const BRANCHES = 'refs/heads/';

/** The repositories under the repos folder, kept in step with the database. */
export class RepositoryRegistry {
  private readonly known = new Map<string, KnownRepository>();
  /** The same repositories by id, and by git dir (as found, and with links resolved): a push must not scan them all. */
  private readonly ids = new Map<number, KnownRepository>();
  private readonly gitDirs = new Map<string, KnownRepository>();
  private readonly failedSyncs = new Set<string>();
  /** Names that two repositories on disk carry (`x.git` and `x/`), with their paths. */
  private readonly twins = new Map<string, string[]>();
  private readonly maxRefsPerPush: number;
  /**
   * Folders seen appearing with no refs (resolved path → when): once registered, every ref they have counts as
   * pushed. One still being made when a scan reads it (`git init` under load) is looked for again a while.
   */
  private readonly appearedWithoutRefs = new Map<string, number>();
  /** Problems of the folder already logged: a rescan does not log them again. */
  private loggedProblems = new Set<string>();
  /** Those checks while they run: a scan waits for them. */
  private readonly appearing = new Set<Promise<void>>();

  constructor(
    private readonly sql: Sql,
    private readonly reposDir: string,
    private readonly log: Logger,
    private readonly listener: RegistryListener,
    options: RegistryOptions = {},
  ) {
    this.maxRefsPerPush = options.maxRefsPerPush ?? 1000;
  }

  get(key: string): KnownRepository | undefined {
    return this.known.get(key);
  }

  byId(id: number): KnownRepository | undefined {
    return this.ids.get(id);
  }

  list(): KnownRepository[] {
    return [...this.known.values()];
  }

  /** Whether two repositories on disk carry this name. */
  isInConflict(key: string): boolean {
    return this.twins.has(key);
  }

  /** Finds repositories on disk; registers new ones (baseline) and catches up on known ones. */
  async scan(source: EventSource = 'startup'): Promise<void> {
    await Promise.all(this.appearing);
    const { repos, problems, twins } = await discoverRepositories(this.reposDir);
    const problemKeys = new Set(problems.map((p) => `${p.path}\0${p.message}`));
    for (const p of problems) {
      if (!this.loggedProblems.has(`${p.path}\0${p.message}`)) this.log.warn({ path: p.path }, `skipping ${p.path}: ${p.message}`);
    }
    this.loggedProblems = problemKeys;
    this.twins.clear();
    for (const group of twins) {
      // Neither twin takes the other's place: the one already recorded goes on, a new name is refused.
      const key = keyOf(group[0]!);
      const recorded = this.known.get(key)?.row.path ?? (await findRepository(this.sql, group[0]!.owner, group[0]!.name))?.path;
      const kept = group.find((twin) => recorded !== undefined && samePath(twin.path, recorded));
      if (kept) repos.push(kept);
      this.twins.set(key, group.map((twin) => twin.path));
      this.log.warn({ repository: key, kept: kept?.path ?? null }, `${key} exists twice on disk; ${kept ? `keeping ${kept.path}` : 'recording neither'} until one is removed or renamed`);
    }
    const seen = new Set(repos.map(keyOf));
    for (const key of [...this.known.keys()]) {
      if (!seen.has(key)) await this.forget(key);
    }
    // Most repositories of a start go in bulk; the rest (moved, twins, new folders) one by one below.
    const adopted = await this.adoptInBulk(repos.filter((found) => !this.known.has(keyOf(found))), source);
    await mapLimit(repos.filter((found) => !adopted.has(keyOf(found))), SCAN_CONCURRENCY, async (found) => {
      try {
        await this.adopt(found, source);
      } catch (error) {
        this.log.warn({ repository: keyOf(found), err: asError(error) }, `cannot read repository ${keyOf(found)}`);
      }
    });
  }

  /**
   * A folder appeared at `<owner>/<name>` while the service runs (the folder watcher says so at once, before the
   * rescan): when it holds no refs yet, it starts from none, so the push that follows its `git init` triggers
   * however late the rescan comes. One that appears with refs (renamed into place) takes them as its baseline.
   */
  folderAppeared(folder: string): Promise<void> {
    const check = this.checkAppeared(folder).finally(() => this.appearing.delete(check));
    this.appearing.add(check);
    return check;
  }

  private async checkAppeared(folder: string): Promise<void> {
    const parts = path.relative(path.resolve(this.reposDir), folder).split(path.sep);
    if (parts.length !== 2 || parts.some((part) => part === '..' || part.startsWith('.'))) return;
    if (this.known.has(`${parts[0]}/${parts[1]!.replace(/\.git$/, '')}`)) return;
    if (await hasNoRefsYet(folder)) this.appearedWithoutRefs.set(path.resolve(folder), Date.now());
  }

  /**
   * Whether a folder that appeared lately is not a repository yet: the folder watcher sees `<owner>/<name>`
   * appear, not the files `git init` then writes in it, so the caller scans again a little later.
   */
  awaitsRepository(withinMs = 30_000): boolean {
    const registered = new Set([...this.known.values()].map((repo) => path.resolve(repo.row.path)));
    for (const [folder, at] of this.appearedWithoutRefs) {
      if (registered.has(folder) || Date.now() - at > withinMs) this.appearedWithoutRefs.delete(folder);
    }
    return this.appearedWithoutRefs.size > 0;
  }

  /** A change under a repository's refs: record what moved. */
  async refsChanged(key: string, source: EventSource = 'watcher'): Promise<void> {
    const repo = this.known.get(key);
    if (!repo) return;
    await this.refreshDefaultBranch(repo);
    const { events } = await syncRefs(this.sql, repo.row, repo.git, source, this.maxRefsPerPush);
    if (events.length > 0) this.listener.onEvents(repo.row.id);
  }

  /**
   * refsChanged, and when it fails (the database is down, say) the repository is kept for `retryFailedSyncs`:
   * its refs are diffed again until it works, so nothing that moved meanwhile is lost.
   */
  async syncOrRetry(key: string, source: EventSource = 'watcher'): Promise<void> {
    try {
      await this.refsChanged(key, source);
      this.failedSyncs.delete(key);
    } catch (error) {
      if (!this.failedSyncs.has(key)) this.log.warn({ repository: key, err: asError(error) }, 'cannot record ref changes; will retry');
      this.failedSyncs.add(key);
    }
  }

  async retryFailedSyncs(): Promise<void> {
    for (const key of [...this.failedSyncs]) await this.syncOrRetry(key);
  }

  /**
   * HEAD can be pointed at another branch at any time (master → main). When it names a branch that does not exist,
   * the first branch pushed is the default (core/refs/default-branch.ts).
   */
  private async refreshDefaultBranch(
    repo: KnownRepository, pushed: readonly RefUpdate[] = [], headRead: Promise<string | null> = repo.git.defaultBranch(),
    refs?: ReadonlyMap<string, string>,
  ): Promise<boolean> {
    const head = await headRead;
    // A push to the default branch (most pushes to a busy repository) just showed it exists; at start the refs
    // were just read.
    const headExists = head === null || (head === repo.row.default_branch && pushed.some((u) => u.ref === `refs/heads/${head}` && !isZeroSha(u.after)))
      || (refs ?? (await repo.git.refValues([`refs/heads/${head}`]))).has(`refs/heads/${head}`);
    let chosen: DefaultBranch = { branch: head, source: 'head' };
    if (!headExists) {
      const branches = [...(refs ?? (await repo.git.listRefs())).keys()].filter((ref) => ref.startsWith(BRANCHES)).map((ref) => ref.slice(BRANCHES.length));
      const first = await firstPushedRef(this.sql, repo.row.id, branches.map((b) => `${BRANCHES}${b}`));
      chosen = defaultBranchOf({
        head, headExists, branches, recorded: repo.row.default_branch, firstPushed: first === null ? null : first.slice(BRANCHES.length),
      });
    }
    if (chosen.branch === repo.row.default_branch) return false;
    repo.row = await setDefaultBranch(this.sql, repo.row.id, chosen.branch);
    const why = chosen.source === 'first_pushed' ? ` (HEAD names ${head}, which does not exist: the first branch pushed)` : '';
    this.log.info({ repository: repo.key, default_branch: chosen.branch, head }, `default branch of ${repo.key} is now ${chosen.branch ?? '(none)'}${why}`);
    await this.listener.onDefaultBranchToDescribe?.(repo);
    return true;
  }

  /** Updates reported by a post-receive hook for the repository at `repoPath`. */
  async hookUpdates(repoPath: string, updates: RefUpdate[]): Promise<{ repository: string; events: number }> {
    // The bash hook sends the path with links resolved (`pwd -P`): most pushes need no realpath.
    let repo = this.gitDirs.get(path.resolve(repoPath));
    if (!repo) repo = this.gitDirs.get(await realpath(repoPath).catch(() => path.resolve(repoPath)));
    if (!repo) {
      const resolved = await resolveRepository(repoPath);
      if (!resolved) throw new UnknownRepositoryError(`${repoPath} is not a git repository`);
      repo = this.list().find((r) => samePath(r.gitDir, resolved.gitDir));
      if (repo) return this.recordHook(repo, updates);
      const found = this.identify(resolved.gitDir, resolved.bare);
      // The reply names the path it was given, never where the repositories folder is.
      if (!found) throw new UnknownRepositoryError(`${repoPath} is not a repository at <owner>/<name> under the repositories folder`);
      repo = await this.adopt({ ...found, ...resolved }, 'hook', updates);
    }
    return this.recordHook(repo, updates);
  }

  private async recordHook(repo: KnownRepository, updates: RefUpdate[]): Promise<{ repository: string; events: number }> {
    const head = repo.git.defaultBranch(); // read while the push is recorded
    head.catch(() => undefined); // its failure is refreshDefaultBranch's to report
    const { events } = await recordHookUpdates(this.sql, repo.row, repo.git, updates, this.maxRefsPerPush);
    // The first branch pushed to a repository whose HEAD names a missing one becomes its default at once. The
    // push is recorded whatever happens here; the watcher's next sync tries again.
    await this.refreshDefaultBranch(repo, updates, head).catch((error: unknown) =>
      this.log.warn({ repository: repo.key, err: asError(error) }, `cannot read the default branch of ${repo.key}`));
    // The trigger starts after: its work on this thread would otherwise delay the hook's answer, and it sees the
    // default branch as just decided.
    if (events.length > 0) this.listener.onEvents(repo.row.id);
    return { repository: repo.key, events: events.length };
  }

  private async adopt(found: DiscoveredRepository, source: EventSource, pending: RefUpdate[] = []): Promise<KnownRepository> {
    const key = keyOf(found);
    const existing = this.known.get(key);
    if (existing && samePath(existing.gitDir, found.gitDir)) return existing;
    if (this.twins.has(key) || (existing && !samePath(existing.row.path, found.path) && (await resolveRepository(existing.row.path)) !== null)) {
      throw new UnknownRepositoryError(`${key} exists twice on disk; an operator must remove or rename one`);
    }
    if (existing) this.release(existing); // moved (`x.git` renamed `x`): the row follows it below
    const git = gitRepository(found.gitDir);
    const fromNoRefs = this.appearedWithoutRefs.has(path.resolve(found.path));
    const { row, created } = await registerRepository(this.sql, { owner: found.owner, name: found.name, path: found.path, git }, pending, fromNoRefs);
    this.appearedWithoutRefs.delete(path.resolve(found.path));
    const realGitDir = await realpath(found.gitDir).catch(() => path.resolve(found.gitDir));
    const repo: KnownRepository = { key, row, gitDir: found.gitDir, realGitDir, bare: found.bare, git };
    this.keep(repo);
    // Watch first: a push during the catch-up below then still gets its signal.
    this.listener.onWatched?.(repo);
    if (created && fromNoRefs) {
      this.log.info({ repository: key }, `registered ${key}: it appeared with no refs, so every branch and tag pushed to it triggers`);
      await this.syncOrRetry(key, source);
    } else if (created) {
      this.log.info({ repository: key }, `registered ${key}: its current refs are the baseline`);
      if (!(await this.refreshDefaultBranch(repo))) await this.listener.onDefaultBranchToDescribe?.(repo);
    } else if (pending.length === 0) {
      await this.syncOrRetry(key, source);
    }
    return repo;
  }

  /**
   * The repositories of a start, in a few statements rather than a few each: new ones (their refs read from the
   * files) are inserted with their baselines together, and known ones are compared with their stored refs at
   * once, so that only those pushed meanwhile are synced (under their lock, as the watcher does). Returns the
   * keys taken care of; anything unusual (a moved or removed row, a folder seen appearing, an error) is left to
   * `adopt`.
   */
  private async adoptInBulk(found: DiscoveredRepository[], source: EventSource): Promise<Set<string>> {
    const done = new Set<string>();
    if (found.length === 0) return done;
    const rows = new Map((await findRepositories(this.sql, found)).map((row) => [`${row.owner}/${row.name}`, row]));
    const unchanged: Array<{ repo: DiscoveredRepository; row: RepositoryRow }> = [];
    const fresh: DiscoveredRepository[] = [];
    for (const repo of found) {
      const row = rows.get(keyOf(repo));
      if (this.twins.has(keyOf(repo))) continue;
      if (row && row.state === 'active' && samePath(row.path, repo.path)) unchanged.push({ repo, row });
      // Only before the hook is served: a hook's updates for a repository being registered must not end up in
      // its baseline (`adopt` rolls them back).
      else if (!row && source === 'startup' && !this.appearedWithoutRefs.has(path.resolve(repo.path))) fresh.push(repo);
    }
    const known = await mapLimit(unchanged, BULK_CONCURRENCY, ({ repo, row }) => this.knownRepository(repo, row));
    // Watch first: a push while the refs are read still gets its signal.
    for (const repo of known) {
      this.keep(repo);
      this.listener.onWatched?.(repo);
      done.add(repo.key);
    }
    await this.catchUp(known, source);

    const disk = await mapLimit(fresh, BULK_CONCURRENCY, async (repo) => {
      const git = gitRepository(repo.gitDir);
      try {
        return { repo, refs: await git.listRefs(), branch: await git.defaultBranch() };
      } catch {
        return null; // adopt says what is wrong with it
      }
    });
    const readable = disk.filter((d) => d !== null);
    const created = await this.sql.begin((tx) => insertRepositories(tx, readable.map(({ repo, refs, branch }) => ({
      owner: repo.owner, name: repo.name, path: repo.path, default_branch: branch, refs,
    }))));
    const refsOf = new Map(readable.map(({ repo, refs }) => [keyOf(repo), { repo, refs }]));
    const registered = await mapLimit(created, BULK_CONCURRENCY, async (row) => {
      const { repo, refs } = refsOf.get(`${row.owner}/${row.name}`)!;
      const entry = await this.knownRepository(repo, row);
      this.keep(entry);
      this.listener.onWatched?.(entry);
      done.add(entry.key);
      return { entry, refs };
    });
    if (registered.length > 0) this.log.info({ repositories: registered.length }, `registered ${registered.length} new repositories: their current refs are the baseline`);
    // HEAD names a missing branch in a few: the first branch pushed is the default, and described with it.
    const headAsIs = await mapLimit(registered, BULK_CONCURRENCY, async ({ entry, refs }) => {
      try {
        return (await this.refreshDefaultBranch(entry, [], entry.git.defaultBranch(), refs)) ? null : entry;
      } catch (error) {
        this.log.warn({ repository: entry.key, err: asError(error) }, `cannot read the default branch of ${entry.key}`);
        return null;
      }
    });
    await this.listener.onRegisteredToDescribe?.(headAsIs.filter((entry) => entry !== null)).catch((error: unknown) =>
      this.log.warn({ err: asError(error) }, 'cannot describe the workflows of the new repositories'));
    return done;
  }

  /**
   * Compares these repositories' refs on disk with the recorded ones (one statement for all of them) and syncs,
   * under their lock, those that differ: what a start does for pushes made while the service was down, and
   * what repositories left unwatched (past the watch limit) get now and then.
   */
  async catchUp(repos: readonly KnownRepository[], source: EventSource): Promise<void> {
    const stored = await loadLiveRefsOf(this.sql, repos.map((repo) => repo.row.id));
    await mapLimit(repos, BULK_CONCURRENCY, async (repo) => {
      try {
        const refs = await repo.git.listRefs();
        await this.refreshDefaultBranch(repo, [], repo.git.defaultBranch(), refs);
        if (!sameRefs(refs, stored.get(repo.row.id)!)) await this.syncOrRetry(repo.key, source);
      } catch (error) {
        this.log.warn({ repository: repo.key, err: asError(error) }, `cannot read repository ${repo.key}`);
      }
    });
  }

  private async knownRepository(found: DiscoveredRepository, row: RepositoryRow): Promise<KnownRepository> {
    let realGitDir = path.resolve(found.gitDir);
    try {
      realGitDir = realpathSync(found.gitDir); // a start resolves 10,000 of them: synchronously, as refs are read
    } catch {
      // gone meanwhile: the scan after its removal forgets it
    }
    return { key: keyOf(found), row, gitDir: found.gitDir, realGitDir, bare: found.bare, git: gitRepository(found.gitDir) };
  }

  /** Knows a repository by its key, its row's id and its git folders (as given, and resolved). */
  private keep(repo: KnownRepository): void {
    this.known.set(repo.key, repo);
    this.ids.set(repo.row.id, repo);
    for (const dir of [path.resolve(repo.gitDir), repo.realGitDir]) if (!this.gitDirs.has(dir)) this.gitDirs.set(dir, repo);
  }

  /** Stops watching and reading a repository this process knew; its row stays. */
  private release(repo: KnownRepository): void {
    this.known.delete(repo.key);
    if (this.ids.get(repo.row.id) === repo) this.ids.delete(repo.row.id);
    for (const [dir, indexed] of this.gitDirs) if (indexed === repo) this.gitDirs.delete(dir);
    this.failedSyncs.delete(repo.key);
    repo.git.close();
    this.listener.onUnwatched?.(repo.key);
  }

  private async forget(key: string): Promise<void> {
    const repo = this.known.get(key);
    if (!repo) return;
    this.release(repo);
    await markRepositoryRemoved(this.sql, repo.row.id);
    this.log.info({ repository: key }, `repository ${key} is gone; stopped watching it`);
  }

  /** `<reposDir>/<owner>/<name>[.git]` → owner and name, from a git dir or its work tree. */
  private identify(gitDir: string, bare: boolean): { owner: string; name: string; path: string } | null {
    const repoPath = bare ? gitDir : path.dirname(gitDir);
    const rel = path.relative(path.resolve(this.reposDir), repoPath).split(path.sep);
    if (rel.length !== 2 || rel[0] === '..' || !rel[0] || !rel[1]) return null;
    // Hidden folders are not repositories to the watcher (a clone being copied in, say): nor to the hook.
    if (rel[0].startsWith('.') || rel[1].startsWith('.')) return null;
    return { owner: rel[0], name: rel[1].replace(/\.git$/, ''), path: repoPath };
  }

  async rowOf(owner: string, name: string): Promise<RepositoryRow | null> {
    return this.known.get(`${owner}/${name}`)?.row ?? findRepository(this.sql, owner, name);
  }
}

function keyOf(repo: { owner: string; name: string }): string {
  return `${repo.owner}/${repo.name}`;
}

function sameRefs(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [ref, sha] of a) if (b.get(ref) !== sha) return false;
  return true;
}

function samePath(a: string, b: string): boolean {
  return path.resolve(a) === path.resolve(b);
}

export class UnknownRepositoryError extends Error {
  override readonly name = 'UnknownRepositoryError';
}
