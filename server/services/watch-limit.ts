import type { WatchLimit } from '../adapters/watch/ref-watcher.js';

/** The one line logged when the ref watcher stops at a limit: which, how to raise it, what still sees pushes. */
export function watchLimitMessage(limit: WatchLimit, sweepMs: number): string {
  const which = {
    ENOSPC: `the kernel's inotify watches of this user are used up (fs.inotify.max_user_watches=${limit.maxUserWatches ?? '?'}, shared by all of the user's processes); raise it, e.g. sysctl -w fs.inotify.max_user_watches=${suggested(limit.maxUserWatches)} (about 3 watches per repository)`,
    EMFILE: `the kernel's inotify instances of this user are used up (fs.inotify.max_user_instances=${limit.maxUserInstances ?? '?'}); raise it, e.g. sysctl -w fs.inotify.max_user_instances=${suggested(limit.maxUserInstances)}`,
    cap: `PLUE_MAX_WATCHES allows no more (${limit.watches} watches); raise it or set 0`,
  }[limit.reason];
  return `file watching stopped after ${limit.watchedRepositories} repositories: ${which}. ` +
    `Pushes to the repositories not watched are still recorded exactly through their post-receive hook (PLUE_INSTALL_HOOKS=1 installs it); ` +
    `without a hook, a push is noticed when their refs are compared with the recorded ones, every ${sweepMs >= 1000 ? `${sweepMs / 1000} s` : `${sweepMs} ms`} and at every start`;
}

function suggested(current: number | null): number {
  return Math.max(524288, (current ?? 0) * 2);
}
