import { watch } from 'chokidar';
import type { FSWatcher } from 'chokidar';

// Notices repositories created or removed under the repos folder (`<owner>/<name>`); the caller
// rediscovers the folder, so this only needs to say "something changed".
export function watchReposDir(
  reposDir: string,
  options: { debounceMs?: number; onChange(): void; onError?(error: unknown): void },
): { close(): Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  const fire = () => {
    clearTimeout(timer);
    timer = setTimeout(options.onChange, options.debounceMs ?? 100);
  };
  const watcher: FSWatcher = watch(reposDir, { ignoreInitial: true, depth: 1, persistent: true });
  watcher.on('addDir', fire).on('unlinkDir', fire);
  watcher.on('error', (error) => options.onError?.(error));
  return {
    async close() {
      clearTimeout(timer);
      await watcher.close();
    },
  };
}
