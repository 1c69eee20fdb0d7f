import { watch } from 'chokidar';
import type { FSWatcher } from 'chokidar';

// Notices repositories created or removed under the repos folder (`<owner>/<name>`); the caller
// rediscovers the folder, so this only needs to say "something changed". A folder that appears is also named at
// once (`onAppeared`), before the debounced change: what it holds then tells a new repository from a copied one.
export function watchReposDir(
  reposDir: string,
  options: { debounceMs?: number; onChange(): void; onAppeared?(folder: string): void; onError?(error: unknown): void },
): { close(): Promise<void>; ready: Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  const fire = () => {
    clearTimeout(timer);
    timer = setTimeout(options.onChange, options.debounceMs ?? 100);
  };
  const watcher: FSWatcher = watch(reposDir, { ignoreInitial: true, depth: 1, persistent: true });
  watcher.on('addDir', (folder) => {
    options.onAppeared?.(folder);
    fire();
  }).on('unlinkDir', fire);
  watcher.on('error', (error) => options.onError?.(error));
  // Its first look at the folders takes a while with thousands of them (a stat each), and a folder made meanwhile
  // counts as one it found, with no event: the caller looks again once it is ready.
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    ready,
    async close() {
      clearTimeout(timer);
      await watcher.close();
    },
  };
}
