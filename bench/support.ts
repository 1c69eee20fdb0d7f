// Shared by the benchmarks: a real PostgreSQL (DATABASE_URL, or embedded in a temp folder) and percentiles.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../server/adapters/db/embedded.js';

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
