// Starts the real service in-process on a test database and a temporary repos folder.
import path from 'node:path';
import pino from 'pino';
import type { Sql } from '../../server/adapters/db/connect.js';
import { loadConfig } from '../../server/config.js';
import { startService } from '../../server/services/service.js';
import type { Service, ServiceOptions } from '../../server/services/service.js';
import { createTempDir } from '../git/fixtures.js';

export interface TestServiceOptions extends ServiceOptions {
  databaseUrl: string;
  reposDir: string;
  dataDir?: string;
  env?: Record<string, string>;
  /** Receives the service's log lines (JSON), at level info; default: no log. */
  logStream?: NodeJS.WritableStream;
}

export async function startTestService(options: TestServiceOptions): Promise<Service> {
  const dataDir = options.dataDir ?? (await createTempDir('plue-data-'));
  const config = loadConfig({
    DATABASE_URL: options.databaseUrl,
    PLUE_DATA_DIR: dataDir,
    PLUE_REPOS_DIR: options.reposDir,
    PLUE_DEMO: '0',
    PORT: '0',
    ...options.env,
  }, process.cwd());
  const log = options.logStream
    ? pino({ level: 'info' }, options.logStream)
    : pino({ level: process.env.PLUE_TEST_LOG ?? 'silent' });
  return startService(config, log, { watchDebounceMs: 10, trigger: { pollMs: 200 }, ...options });
}

export interface RunSummary {
  workflow_name: string;
  workflow_path: string;
  ref: string;
  commit_sha: string;
  trigger_event: string;
  run_number: number;
  status: number;
}

export async function runsOf(sql: Sql, owner: string, name: string): Promise<RunSummary[]> {
  return sql<RunSummary[]>`
    select r.workflow_name, r.workflow_path, r.ref, r.commit_sha, r.trigger_event, r.run_number, r.status
    from workflow_runs r join repositories p on p.id = r.repository_id
    where p.owner = ${owner} and p.name = ${name} order by r.id`;
}

export async function pendingEvents(sql: Sql): Promise<number> {
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from events where status = 'pending'`;
  return row?.n ?? 0;
}

/** Polls `check` until it returns a truthy value or the time runs out. */
export async function waitFor<T>(check: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until the service has no pending event and its trigger loop is idle, twice in a row. */
export async function settle(service: Service, sql: Sql): Promise<void> {
  await waitFor(async () => {
    await new Promise((r) => setTimeout(r, 150));
    await service.trigger.idle();
    return (await pendingEvents(sql)) === 0;
  }, 'pending events to be triggered');
}

export function repoPath(reposDir: string, owner: string, name: string): string {
  return path.join(reposDir, owner, `${name}.git`);
}

/** Waits until the push of `ref` to `after` has been recorded and triggered; returns its result. */
export async function waitForPushTriggered(sql: Sql, ref: string, after: string, timeoutMs = 10_000): Promise<{ runs: unknown[]; skipped: Array<{ name: string; reason: string }> }> {
  return waitFor(async () => {
    const [row] = await sql<{ status: string; result: { runs: unknown[]; skipped: Array<{ name: string; reason: string }> } | null }[]>`
      select status, result from events
      where kind = 'push' and payload->>'ref' = ${ref} and payload->>'after' = ${after} and status <> 'pending'
      order by id desc limit 1`;
    return row?.result ?? null;
  }, `push of ${ref} to ${after.slice(0, 7)} to be triggered`, timeoutMs);
}
