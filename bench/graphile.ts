// graphile-worker on the same PostgreSQL server as plue-trigger's claim bench, for the side-by-side lines of
// `npm run bench:claim` (issue 15): jobs per second with a no-op task, and enqueue → task start.
import { performance } from 'node:perf_hooks';
import { Logger, makeWorkerUtils, run, runMigrations } from 'graphile-worker';
import type { Runner } from 'graphile-worker';
import { within } from './support.js';

const silent = new Logger(() => () => {});

/** graphile-worker's own batching (0.17+): jobs fetched `localQueue` at a time, completions written together. */
export interface GraphileBatching {
  localQueue: number;
  completeJobBatchDelay: number;
}

async function startWorker(connectionString: string, concurrency: number, task: () => void, batching?: GraphileBatching): Promise<Runner> {
  return run({
    connectionString, concurrency, noHandleSignals: true, pollInterval: 2000, logger: silent,
    taskList: { bench: async () => task() },
    ...(batching ? { preset: { worker: { localQueue: { size: batching.localQueue }, completeJobBatchDelay: batching.completeJobBatchDelay } } } : {}),
  });
}

/** `jobs` no-op jobs queued first, then worked off by one worker of `concurrency`: jobs per second. */
export async function graphileThroughput<S>(
  connectionString: string, jobs: number, concurrency: number, sample?: () => Promise<S>, batching?: GraphileBatching,
): Promise<{ jobs: number; seconds: number; samples: S[] }> {
  await runMigrations({ connectionString, logger: silent });
  const utils = await makeWorkerUtils({ connectionString, logger: silent });
  try {
    for (let i = 0; i < jobs; i += 500) {
      await utils.addJobs(Array.from({ length: Math.min(500, jobs - i) }, (_, k) => ({ identifier: 'bench', payload: { n: i + k } })));
    }
  } finally {
    await utils.release();
  }
  let done = 0;
  let allDone: () => void = () => {};
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  let last = 0;
  const samples: S[] = [];
  if (sample) samples.push(await sample());
  const started = performance.now();
  const worker = await startWorker(connectionString, concurrency, () => {}, batching);
  worker.events.on('job:success', () => {
    last = performance.now();
    if (++done === jobs) allDone();
  });
  try {
    await within(120_000, 'graphile-worker to work off its jobs', finished);
    if (sample) samples.push(await sample());
  } finally {
    await worker.stop();
  }
  return { jobs: done, seconds: (last - started) / 1000, samples };
}

/** An idle worker (concurrency 1) listening; each sample from just before `addJob` to the task function's start. */
export async function graphileLatency(connectionString: string, samples: number): Promise<number[]> {
  await runMigrations({ connectionString, logger: silent });
  const utils = await makeWorkerUtils({ connectionString, logger: silent });
  let began: (at: number) => void = () => {};
  const worker = await startWorker(connectionString, 1, () => began(performance.now()));
  const results: number[] = [];
  try {
    for (let i = 0; i < samples + 1; i++) { // the first one only warms the connections up
      const started = new Promise<number>((resolve) => (began = resolve));
      // Let the worker go back to waiting on its LISTEN connection.
      await new Promise((resolve) => setTimeout(resolve, 5));
      const asked = performance.now();
      await utils.addJob('bench', {});
      const at = await within(30_000, 'graphile-worker to start the job', started);
      if (i > 0) results.push(at - asked);
    }
  } finally {
    await worker.stop();
    await utils.release();
  }
  return results.sort((a, b) => a - b);
}
