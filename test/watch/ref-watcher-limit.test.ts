import { watch } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RefWatcher } from '../../server/adapters/watch/ref-watcher.js';
import type { WatchLimit } from '../../server/adapters/watch/ref-watcher.js';
import { createBareRepo, createTempDir, git, removeTempDirs } from '../git/fixtures.js';
import { waitFor } from '../support/service.js';

afterAll(removeTempDirs);

const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904'; // git knows it without storing it

// The kernel refuses an inotify watch with ENOSPC past fs.inotify.max_user_watches (EMFILE past
// max_user_instances). Only that edge is stood in for: fs.watch, which fails from the Nth watch on as the kernel
// would; the repositories, their folders and the other watches are real.
function kernelWithWatches(allowed: number, code: 'ENOSPC' | 'EMFILE'): typeof watch {
  let made = 0;
  return ((...args: Parameters<typeof watch>) => {
    if (made >= allowed) throw Object.assign(new Error(`${code}: System limit for number of file watchers reached, watch '${String(args[0])}'`), { code, errno: -28, syscall: 'watch' });
    made++;
    return watch(...args);
  }) as typeof watch;
}

describe('RefWatcher at the kernel limit', () => {
  it.each(['ENOSPC', 'EMFILE'] as const)('%s: repositories past it stay whole and unwatched, the limit is told once, the others still signal', async (code) => {
    const reposDir = await createTempDir('plue-watch-');
    const repos = await Promise.all(['a', 'b', 'c', 'd'].map((name) => createBareRepo(path.join(reposDir, 'acme', `${name}.git`))));
    const limits: WatchLimit[] = [];
    const signals: string[] = [];
    // 3 watches a repository (its git dir, refs/heads, refs/tags): the second fails on its second watch.
    const watcher = new RefWatcher({ debounceMs: 5, watch: kernelWithWatches(4, code), onSignal: (key) => signals.push(key), onLimit: (limit) => limits.push(limit) });
    try {
      const added = repos.map((gitDir, i) => watcher.add({ key: `acme/${i}`, gitDir, workDir: null }));
      expect(added).toEqual([true, false, false, false]);
      expect([...watcher.unwatched].sort()).toEqual(['acme/1', 'acme/2', 'acme/3']);
      expect(watcher.has('acme/1')).toBe(false); // never half-watched
      expect(watcher.watchCount).toBe(3);
      await waitFor(async () => limits.length === 1, 'the limit told');
      expect(limits[0]).toMatchObject({ reason: code, watchedRepositories: 1, watches: 3 });
      expect(limits[0]!.maxUserWatches).toBeGreaterThan(0); // read from /proc/sys/fs/inotify
      // The one watched still signals a push to it.
      const commit = await git(['commit-tree', EMPTY_TREE, '-m', 'x'], repos[0]!);
      await git(['update-ref', 'refs/heads/main', commit], repos[0]!);
      await waitFor(async () => signals.includes('acme/0'), 'a signal for the watched repository');
      expect(signals.filter((key) => key !== 'acme/0')).toEqual([]);
      watcher.remove('acme/2');
      expect([...watcher.unwatched].sort()).toEqual(['acme/1', 'acme/3']);
    } finally {
      await watcher.close();
    }
    expect(watcher.watchCount).toBe(0);
  });
});
