import { readFile } from 'node:fs/promises';
import path from 'node:path';

// A command run next to a service that owns the embedded PostgreSQL cannot start a second server on the same data
// folder; it can log in to the running one. Layout: see embedded.ts (`password`, `pgdata/postmaster.pid`).

/** The URL of the embedded server running for `<dataDir>/postgres`, or null when none runs there. */
export async function runningEmbeddedUrl(dataDir: string, database = 'plue'): Promise<string | null> {
  const root = path.join(dataDir, 'postgres');
  const [pidFile, password] = await Promise.all([
    readFile(path.join(root, 'pgdata', 'postmaster.pid'), 'utf8').catch(() => null),
    readFile(path.join(root, 'password'), 'utf8').catch(() => null),
  ]);
  // postmaster.pid: pid, data folder, start time, port, …
  const port = Number(pidFile?.split('\n')[3]?.trim());
  if (!pidFile || password === null || !Number.isInteger(port) || port <= 0) return null;
  return `postgres://postgres:${encodeURIComponent(password.trim())}@127.0.0.1:${port}/${database}`;
}
