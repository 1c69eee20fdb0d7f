import { readdirSync, statSync, watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import path from 'node:path';

// Notices repositories created or removed under the repos folder (`<owner>/<name>`); the caller
// rediscovers the folder, so this only needs to say "something changed". A folder that appears is also named at
// once (`onAppeared`), before the debounced change: what it holds then tells a new repository from a copied one.
//
// One fs.watch on the repos folder and one on each owner's folder: a repository appearing or going is a name
// appearing or going in its owner's folder. Nothing is read per repository (chokidar, used before, stat-ed every
// one of them when it started: 2 s and thousands of objects for 10,000, before the service could serve).

export interface ReposDirWatcher {
  close(): Promise<void>;
}

export function watchReposDir(
  reposDir: string,
  options: { debounceMs?: number; onChange(): void; onAppeared?(folder: string): void; onError?(error: unknown): void },
): ReposDirWatcher {
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const owners = new Map<string, FSWatcher>();
  const fire = () => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(options.onChange, options.debounceMs ?? 100);
  };
  const isFolder = (folder: string) => {
    try {
      return statSync(folder, { throwIfNoEntry: false })?.isDirectory() ?? false;
    } catch {
      return false;
    }
  };
  const watchFolder = (folder: string, onName: (name: string) => void): FSWatcher | null => {
    try {
      const watcher = watch(folder, { persistent: true }, (event, name) => {
        if (event === 'rename' && name !== null) onName(name);
      });
      watcher.on('error', (error) => options.onError?.(error));
      return watcher;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Gone or not a folder (a file beside the owners): discovery reports what is wrong with it.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') options.onError?.(error);
      return null;
    }
  };
  const repositoryName = (owner: string) => (name: string) => {
    const folder = path.join(owner, name);
    if (isFolder(folder)) options.onAppeared?.(folder);
    fire();
  };
  /** An owner's folder: watched, and when it is new, what it already holds has appeared too. */
  const watchOwner = (folder: string, isNew: boolean) => {
    if (closed || owners.has(folder) || !isFolder(folder)) return;
    const watcher = watchFolder(folder, repositoryName(folder));
    if (watcher === null) return;
    owners.set(folder, watcher);
    if (!isNew) return;
    // Made before its watch began (`mkdir -p owner/name.git`): seen here, else by the rescan fired.
    for (const name of readNames(folder)) if (isFolder(path.join(folder, name))) options.onAppeared?.(path.join(folder, name));
  };
  const top = watchFolder(reposDir, (name) => {
    const folder = path.join(reposDir, name);
    if (isFolder(folder)) {
      options.onAppeared?.(folder);
      watchOwner(folder, true);
    } else {
      owners.get(folder)?.close();
      owners.delete(folder);
    }
    fire();
  });
  for (const name of readNames(reposDir)) watchOwner(path.join(reposDir, name), false);
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      top?.close();
      for (const watcher of owners.values()) watcher.close();
      owners.clear();
    },
  };
}

function readNames(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}
