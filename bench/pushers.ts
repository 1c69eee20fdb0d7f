// The pushers of bench:push's throughput part, in a process of their own as a host's pushes are: each moves its
// repository's main through the given commits, one after another, each move delivered as the post-receive hook
// delivers it. Started by push-throughput.ts (fork), which sends the work, waits for `ready`, says `go`, and gets
// the wall time and this process's CPU time back. Their work is then not the service's (in CPU or in its event loop).
import { deliverHookRequest, refUpdater } from './push-support.js';

export interface PushersWork {
  url: string;
  hookToken: string;
  repos: Array<{ gitDir: string; head: string; commits: string[] }>;
}

export interface PushersDone { seconds: number; cpuMs: number }

const send = (message: unknown) => new Promise<void>((resolve, reject) => process.send!(message, (error: Error | null) => (error ? reject(error) : resolve())));

process.once('message', (work: PushersWork) => {
  const updaters = work.repos.map((r) => refUpdater(r.gitDir));
  process.once('message', async () => {
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(work.repos.map(async (repo, i) => {
      let before = repo.head;
      for (const after of repo.commits) {
        await updaters[i]!.update('refs/heads/main', after, before);
        await deliverHookRequest(work, repo.gitDir, [`${before} ${after} refs/heads/main`]);
        before = after;
      }
    }));
    const seconds = (performance.now() - t0) / 1000;
    const used = process.cpuUsage(cpu);
    for (const updater of updaters) updater.close();
    await send({ seconds, cpuMs: (used.user + used.system) / 1000 } satisfies PushersDone);
    process.disconnect();
  });
  void send('ready');
});
