import { readdirSync, watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';

// Watches the places a push changes: loose refs (refs/heads, refs/tags and their folders), packed-refs and HEAD
// (events in the git dir), and jj's operation heads. Signals are debounced per repository; the caller re-lists
// the refs, so a lost or merged signal costs nothing but latency.
//
// One inotify watch per folder, straight through fs.watch: about 3 per repository, and ~1 KiB each (chokidar
// took ~6 and 50 KiB a repository: 500 MiB for 10,000). The kernel bounds the watches of a user
// (fs.inotify.max_user_watches, shared by all of that user's processes); past it, or past `maxWatches`, the
// repositories not yet watched stay unwatched, and `onLimit` says so once.

const RECHECK_MS = 300;
const LOCK = Buffer.from('.lock');

export interface WatchedRepository {
  /** Stable key, e.g. `owner/name`. */
  key: string;
  gitDir: string;
  /** Work-tree root for non-bare repositories (where `.jj/` lives). */
  workDir: string | null;
}

export interface WatchLimit {
  /** `ENOSPC`: the kernel's watches (max_user_watches); `EMFILE`: its inotify instances; `cap`: maxWatches. */
  reason: 'ENOSPC' | 'EMFILE' | 'cap';
  /** The kernel's settings when they are readable (Linux), for the log line. */
  maxUserWatches: number | null;
  maxUserInstances: number | null;
  watchedRepositories: number;
  watches: number;
}

export interface RefWatcherOptions {
  debounceMs?: number;
  /** At most this many inotify watches (0 or absent: as many as the kernel gives). */
  maxWatches?: number;
  onSignal(key: string): void;
  onError?(error: unknown): void;
  /** Watching stopped at a limit: called once; the repositories past it are in `unwatched`. */
  onLimit?(limit: WatchLimit): void;
  /** The kernel's edge, fs.watch; a test puts a limit there. */
  watch?: typeof watch;
}

interface Folder {
  watcher: FSWatcher;
  /** Names inside that matter (the git dir: HEAD and packed-refs); null: every name but lock files. */
  names: ReadonlySet<string> | null;
  /** Subfolders are watched too (refs/heads/feature/...). */
  deep: boolean;
}

class WatchLimitReached extends Error {
  constructor(readonly reason: WatchLimit['reason']) {
    super(`watch limit reached: ${reason}`);
  }
}

const GIT_DIR_NAMES = new Set(['HEAD', 'packed-refs']);
const REFS_NAMES = new Set(['heads', 'tags']);

export class RefWatcher {
  /** key → folder path (latin1 of its bytes) → its watch. */
  private readonly folders = new Map<string, Map<string, Folder>>();
  private readonly timers = new Map<string, { kind: 'debounce' | 'recheck'; timer: NodeJS.Timeout }>();
  private readonly debounceMs: number;
  private watches = 0;
  private limit: WatchLimit | null = null;
  /** Repositories added past the limit. */
  readonly unwatched = new Set<string>();
  private closed = false;

  constructor(private readonly options: RefWatcherOptions) {
    this.debounceMs = options.debounceMs ?? 25;
  }

  /** Watches a repository; false when it is left unwatched (past the limit). */
  add(repo: WatchedRepository): boolean {
    if (this.folders.has(repo.key)) return true;
    if (this.limit) {
      this.unwatched.add(repo.key);
      return false;
    }
    const folders = new Map<string, Folder>();
    this.folders.set(repo.key, folders);
    try {
      this.watchFolder(repo.key, bytesOf(repo.gitDir), GIT_DIR_NAMES, false);
      for (const top of ['heads', 'tags']) {
        const dir = bytesOf(path.join(repo.gitDir, 'refs', top));
        if (this.watchTree(repo.key, dir)) continue;
        // Not there yet (`git init` still writing it): refs/ says when it appears, and it is looked for again
        // once that watch is on, so that it cannot appear unseen in between.
        this.watchFolder(repo.key, bytesOf(path.join(repo.gitDir, 'refs')), REFS_NAMES, true);
        this.watchTree(repo.key, dir);
      }
      if (repo.workDir) this.watchFolder(repo.key, bytesOf(path.join(repo.workDir, '.jj', 'repo', 'op_heads', 'heads')), null, false);
    } catch (error) {
      if (!(error instanceof WatchLimitReached)) throw error;
      // A repository is watched whole or not at all: half-watched, some of its pushes would go unseen.
      this.remove(repo.key);
      this.unwatched.add(repo.key);
      this.reachLimit(error.reason);
      return false;
    }
    return true;
  }

  remove(key: string): void {
    this.unwatched.delete(key);
    const folders = this.folders.get(key);
    if (!folders) return;
    this.folders.delete(key);
    for (const folder of folders.values()) this.closeFolder(folder);
    clearTimeout(this.timers.get(key)?.timer);
    this.timers.delete(key);
  }

  has(key: string): boolean {
    return this.folders.has(key);
  }

  get size(): number {
    return this.folders.size;
  }

  /** Inotify watches held now. */
  get watchCount(): number {
    return this.watches;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const key of [...this.folders.keys()]) this.remove(key);
  }

  /**
   * A folder and its subfolders (`refs/heads/feature/`), and those that appear later. Listed synchronously: a
   * start lists 20,000 of these small folders, and asynchronous listings waiting in the thread pool were the
   * largest garbage of a start (~19 MiB for 10,000 repositories).
   */
  private watchTree(key: string, dir: string): boolean {
    if (!this.watchFolder(key, dir, null, true)) return false;
    let entries;
    try {
      entries = readdirSync(Buffer.from(dir, 'latin1'), { withFileTypes: true, encoding: 'buffer' });
    } catch {
      return true; // gone meanwhile: its watch says so
    }
    let found = false;
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      this.watchTree(key, `${dir}/${entry.name.toString('latin1')}`);
      found = true;
    }
    if (found) this.signal(key); // a ref may have been written in a subfolder before its watch began
    return true;
  }

  /** Watches a folder that appeared after `add`; past the limit the repository is left unwatched. */
  private watchNewFolder(key: string, dir: string): void {
    if (this.closed || !this.folders.has(key)) return;
    try {
      this.watchTree(key, dir);
    } catch (error) {
      if (!(error instanceof WatchLimitReached)) throw error;
      this.remove(key);
      this.unwatched.add(key);
      this.reachLimit(error.reason);
    }
    this.signal(key); // a ref may have been written in it before its watch began
  }

  /**
   * False when the folder does not exist (a repository without tags, jj's folder in a git-only one). `dir` is the
   * folder's path as latin1 of its bytes (bytesOf): names need not be UTF-8, and one string a folder is lighter
   * than a Buffer kept beside it.
   */
  private watchFolder(key: string, dir: string, names: ReadonlySet<string> | null, deep: boolean): boolean {
    const folders = this.folders.get(key)!;
    if (folders.has(dir)) return true;
    if (this.options.maxWatches && this.watches >= this.options.maxWatches) throw new WatchLimitReached('cap');
    let watcher: FSWatcher;
    try {
      watcher = (this.options.watch ?? watch)(Buffer.from(dir, 'latin1'), { persistent: true, encoding: 'buffer' }, (event, name) => this.onEvent(key, dir, event, name as Buffer | null));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EMFILE') throw new WatchLimitReached(code);
      if (code === 'ENOENT' || code === 'ENOTDIR') return false;
      this.options.onError?.(error);
      return false;
    }
    watcher.on('error', this.watchError);
    this.watches++;
    folders.set(dir, { watcher, names, deep });
    return true;
  }

  private closeFolder(folder: Folder): void {
    folder.watcher.close();
    this.watches--;
  }

  private readonly watchError = (error: unknown) => this.options.onError?.(error);

  private onEvent(key: string, dir: string, event: string, name: Buffer | null): void {
    const folder = this.folders.get(key)?.get(dir);
    if (!folder) return;
    if (name !== null) {
      // git writes `<ref>.lock` and renames it into place; the rename is the signal that matters.
      if (name.subarray(-LOCK.length).equals(LOCK)) return;
      if (folder.names && !folder.names.has(name.toString('latin1'))) return;
      if (folder.deep && event === 'rename') this.followFolder(key, `${dir}/${name.toString('latin1')}`);
    }
    this.signal(key);
  }

  /** A name appeared or went in a watched tree: a new folder is watched, a folder gone stops being watched. */
  private followFolder(key: string, child: string): void {
    void readdir(Buffer.from(child, 'latin1')).then(() => this.watchNewFolder(key, child), () => {
      const folders = this.folders.get(key);
      if (!folders) return;
      for (const [id, folder] of folders) {
        if (id === child || id.startsWith(`${child}/`)) {
          folders.delete(id);
          this.closeFolder(folder);
        }
      }
    });
  }

  private signal(key: string): void {
    if (this.closed) return;
    const pending = this.timers.get(key);
    if (pending?.kind === 'debounce') return;
    clearTimeout(pending?.timer);
    this.timers.set(key, { kind: 'debounce', timer: setTimeout(() => this.fire(key), this.debounceMs) });
  }

  /**
   * Signals, then checks once more a little later: file events of two quick updates of one ref can reach us as
   * one, and the re-list is cheap and changes nothing when nothing moved.
   */
  private fire(key: string): void {
    this.options.onSignal(key);
    this.timers.set(key, {
      kind: 'recheck',
      timer: setTimeout(() => {
        this.timers.delete(key);
        this.options.onSignal(key);
      }, RECHECK_MS),
    });
  }

  private reachLimit(reason: WatchLimit['reason']): void {
    if (this.limit) return;
    this.limit = { reason, maxUserWatches: null, maxUserInstances: null, watchedRepositories: this.folders.size, watches: this.watches };
    const limit = this.limit;
    void Promise.all([kernelSetting('max_user_watches'), kernelSetting('max_user_instances')]).then(([watches, instances]) => {
      this.options.onLimit?.({ ...limit, maxUserWatches: watches, maxUserInstances: instances });
    });
  }
}

async function kernelSetting(name: string): Promise<number | null> {
  const text = await readFile(`/proc/sys/fs/inotify/${name}`, 'utf8').catch(() => null);
  return text === null ? null : Number(text.trim());
}

/** A path as latin1 of its UTF-8 bytes (the same string when it is ASCII, as paths nearly always are). */
function bytesOf(path: string): string {
  return /^[\x00-\x7f]*$/.test(path) ? path : Buffer.from(path).toString('latin1');
}
