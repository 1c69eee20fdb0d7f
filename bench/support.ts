// Shared by the benchmarks: quick mode, a real PostgreSQL (DATABASE_URL, or embedded in a temp folder), checks
// that fail loudly, percentiles, and load generators in a process of their own.
import { fork } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { startEmbeddedPostgres } from '../server/adapters/db/embedded.js';
import { startFlakyProxy } from '../test/runners/flaky-proxy.js';
import type { FlakyProxy, ProxiedRequest } from '../test/runners/flaky-proxy.js';

/**
 * BENCH_QUICK=1: small sizes, so that CI runs every benchmark in seconds and a benchmark that no longer works
 * fails there. Every figure is still printed, from less data.
 */
export const QUICK = process.env.BENCH_QUICK === '1';

/** `full`, or `quick` in quick mode; an environment variable named `env` overrides both. */
export function benchSize(env: string, full: number, quick: number): number {
  const set = process.env[env];
  return set ? Number(set) : QUICK ? quick : full;
}

/** A benchmark whose input or result is not what it claims to measure stops with this. */
export class BenchCheckError extends Error {
  override name = 'BenchCheckError';
}

export function check(condition: unknown, message: string, details?: unknown): asserts condition {
  if (!condition) throw new BenchCheckError(details === undefined ? message : `${message}: ${JSON.stringify(details, null, 2)}`);
}

/** `promise`, or a BenchCheckError when it takes longer than `ms`: a benchmark that waits forever is a broken one. */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BenchCheckError(`${what} did not happen within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

export async function benchDatabase(): Promise<{ url: string; dataDir: string; stop(): Promise<void> }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'plue-bench-'));
  await chmod(dataDir, 0o755);
  if (process.env.DATABASE_URL) {
    return { url: process.env.DATABASE_URL, dataDir, stop: () => rm(dataDir, { recursive: true, force: true }) };
  }
  const pg = await startEmbeddedPostgres({ dataDir: path.join(dataDir, 'postgres') });
  return {
    url: pg.url,
    dataDir,
    async stop() {
      await pg.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function summary(label: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const f = (n: number) => n.toFixed(1);
  return `${label}: p50 ${f(percentile(sorted, 50))} ms, p95 ${f(percentile(sorted, 95))} ms, max ${f(sorted.at(-1) ?? NaN)} ms (n=${samples.length})`;
}

/**
 * A proxy in front of `target` that times every request as it reaches the server: `arrival(matches)` resolves
 * with performance.now() of the next request that matches.
 */
export async function recordingProxy(target: string): Promise<{ proxy: FlakyProxy; arrival(matches: (request: ProxiedRequest) => boolean): Promise<number> }> {
  const proxy = await startFlakyProxy(target);
  const requests = new EventEmitter();
  proxy.holdBack = (request) => {
    requests.emit('request', request, performance.now());
    return undefined;
  };
  const arrival = (matches: (request: ProxiedRequest) => boolean) => new Promise<number>((resolve) => {
    const on = (request: ProxiedRequest, at: number) => {
      if (!matches(request)) return;
      requests.off('request', on);
      resolve(at);
    };
    requests.on('request', on);
  });
  return { proxy, arrival };
}

/**
 * A load generator (the pushers) in a process of its own, as the clients of a service are: their work then
 * takes neither the service's event loop nor its CPU figures. `file` gets `work` as its first message, answers
 * `ready`, and answers `go` with its figures (bench/pushers.ts).
 */
export async function startLoadProcess<Work, Done>(file: URL, work: Work, what: string): Promise<{ go(): Promise<Done> }> {
  const child = fork(file, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<never>((_resolve, reject) => child.once('exit', (code) => reject(new Error(`${what} exited with ${code}`))));
  exited.catch(() => undefined);
  const next = () => Promise.race([new Promise<unknown>((resolve) => child.once('message', resolve)), exited]);
  const ready = next();
  child.send(work as never);
  check((await within(60_000, `${what} to start`, ready)) === 'ready', `${what} should say it is ready`);
  return {
    async go() {
      const done = next();
      child.send('go');
      return (await within(600_000, what, done)) as Done;
    },
  };
}
