import { watch } from 'chokidar';
import type { FSWatcher } from 'chokidar';
import path from 'node:path';

// Watches the places a push changes: loose refs, packed-refs, and jj's operation heads.
// Signals are debounced per repository; the caller re-lists the refs, so a lost or merged
// signal costs nothing but latency.

const RECHECK_MS = 300;

export interface WatchedRepository {
  /** Stable key, e.g. `owner/name`. */
  key: string;
  gitDir: string;
  /** Work-tree root for non-bare repositories (where `.jj/` lives). */
  workDir: string | null;
}

export interface RefWatcherOptions {
  debounceMs?: number;
  onSignal(key: string): void;
  onError?(error: unknown): void;
}

export function refWatchPaths(repo: WatchedRepository): string[] {
  // HEAD too: pointing it at another branch changes the repository's default branch.
  const paths = [path.join(repo.gitDir, 'refs'), path.join(repo.gitDir, 'packed-refs'), path.join(repo.gitDir, 'HEAD')];
  if (repo.workDir) paths.push(path.join(repo.workDir, '.jj', 'repo', 'op_heads', 'heads'));
  return paths;
}

export class RefWatcher {
  private readonly watcher: FSWatcher;
  private readonly ownerOf = new Map<string, string>();
  private readonly pathsOf = new Map<string, string[]>();
  private readonly timers = new Map<string, { kind: 'debounce' | 'recheck'; timer: NodeJS.Timeout }>();
  private readonly debounceMs: number;

  constructor(private readonly options: RefWatcherOptions) {
    this.debounceMs = options.debounceMs ?? 25;
    this.watcher = watch([], {
      ignoreInitial: true,
      persistent: true,
      // git replaces a ref by renaming a lock file over it: report each as it happens, not as "atomic" edits.
      atomic: false,
      // git writes `<ref>.lock` and renames it into place; the rename is the signal that matters.
      ignored: (p: string) => p.endsWith('.lock'),
    });
    const onPath = (p: string) => this.signalFor(p);
    this.watcher.on('add', onPath).on('change', onPath).on('unlink', onPath).on('addDir', onPath).on('unlinkDir', onPath);
    // A ref whose name is not valid UTF-8 reaches chokidar under a name it cannot stat, and it then reports
    // nothing; the raw event of the folder still says which repository moved.
    this.watcher.on('raw', (_event, name, details) => {
      const watched = (details as { watchedPath?: string } | undefined)?.watchedPath;
      if (watched !== undefined && !name.endsWith('.lock')) onPath(watched);
    });
    this.watcher.on('error', (error) => this.options.onError?.(error));
  }

  add(repo: WatchedRepository): void {
    if (this.pathsOf.has(repo.key)) return;
    const paths = refWatchPaths(repo);
    this.pathsOf.set(repo.key, paths);
    for (const p of paths) this.ownerOf.set(p, repo.key);
    this.watcher.add(paths);
  }

  remove(key: string): void {
    const paths = this.pathsOf.get(key);
    if (!paths) return;
    this.pathsOf.delete(key);
    for (const p of paths) this.ownerOf.delete(p);
    this.watcher.unwatch(paths);
    clearTimeout(this.timers.get(key)?.timer);
    this.timers.delete(key);
  }

  has(key: string): boolean {
    return this.pathsOf.has(key);
  }

  get size(): number {
    return this.pathsOf.size;
  }

  async close(): Promise<void> {
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await this.watcher.close();
  }

  private signalFor(changed: string): void {
    const key = this.keyOf(changed);
    if (key === undefined) return;
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

  private keyOf(changed: string): string | undefined {
    for (let p = changed; ; p = path.dirname(p)) {
      const key = this.ownerOf.get(p);
      if (key !== undefined) return key;
      if (path.dirname(p) === p) return undefined;
    }
  }
}
