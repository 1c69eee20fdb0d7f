// The runner clients of `bench:claim`'s HTTP level, in a worker thread of their own: runners are other programs,
// so their HTTP and JSON work is not done on the service's event loop (it still uses this machine's cores, and
// counts in the CPU per cycle). Started by bench/claim.ts with the runners' tokens; answers with the tasks they
// claimed and when the last one ended.
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { RunnerClient } from '../server/runner/client.js';
import type { Task } from '../server/runner/protocol.js';

export type HttpMode = 'several' | 'next' | 'apart';

export interface HttpRunnersInput {
  url: string;
  tokens: string[];
  mode: HttpMode;
  perRequest: number;
}

export interface HttpRunnersOutput {
  /** Task ids claimed, once per claim (a duplicate claim shows twice). */
  claimed: number[];
  /** Epoch milliseconds (comparable across threads) of the start and of the last task's end. */
  started: number;
  finished: number;
  refused: unknown[];
}

const now = () => performance.timeOrigin + performance.now();

async function work(runner: RunnerClient, input: HttpRunnersInput, out: HttpRunnersOutput): Promise<void> {
  if (input.mode === 'several') {
    for (let tasks = await runner.claimSeveral(0, input.perRequest); tasks.length > 0;) {
      for (const task of tasks) out.claimed.push(task.id);
      const done = await runner.finishSeveral(tasks.map((task) => ({ task, status: 'success' })), { waitSeconds: 0, maxTasks: input.perRequest });
      out.refused.push(...done.statuses.filter((s) => !('status' in s)));
      tasks = done.tasks;
      out.finished = now();
    }
    return;
  }
  for (let task: Task | null = await runner.claim(0); task;) {
    out.claimed.push(task.id);
    if (input.mode === 'next') {
      task = await runner.finishAndClaim(task, 'success', { waitSeconds: 0 });
    } else {
      await runner.finish(task, 'success');
      task = await runner.claim(0);
    }
    out.finished = now();
  }
}

if (parentPort) {
  const input = workerData as HttpRunnersInput;
  const runners = input.tokens.map((token) => new RunnerClient(input.url, token));
  parentPort.once('message', () => {
    const out: HttpRunnersOutput = { claimed: [], started: now(), finished: 0, refused: [] };
    Promise.all(runners.map((runner) => work(runner, input, out))).then(
      () => parentPort!.postMessage(out),
      (error: unknown) => parentPort!.postMessage({ error: String((error as Error).stack ?? error) }),
    );
  });
  parentPort.postMessage('ready');
}
