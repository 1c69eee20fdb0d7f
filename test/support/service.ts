// Starts the real service in-process on a test database and a temporary repos folder.
import path from 'node:path';
import pino from 'pino';
import type { Logger } from 'pino';
import type { Sql } from '../../server/adapters/db/connect.js';
import { loadConfig } from '../../server/config.js';
import { startService } from '../../server/services/service.js';
import type { Service, ServiceOptions } from '../../server/services/service.js';
import { createTempDir } from '../git/fixtures.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface TestServiceOptions extends ServiceOptions {
  databaseUrl: string;
  reposDir: string;
  dataDir?: string;
  env?: Record<string, string>;
  /** Default: silent, or the level PLUE_TEST_LOG names. */
  log?: Logger;
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
  const log = options.log ?? pino({ level: process.env.PLUE_TEST_LOG ?? 'silent' });
  return startService(config, log, { watchDebounceMs: 10, trigger: { pollMs: 200 }, ...options });
}

/** A workflow named CI that every push starts. */
export const CI_ON_PUSH = `from plue import workflow

@workflow(name="CI", on="push")
async def ci(ctx):
    pass
`;

export interface RecordedLog {
  log: Logger;
  messages: string[];
  /** Resolves with the first message (logged so far or later) that matches. */
  logged(match: RegExp): Promise<string>;
}

/** A logger that keeps its messages, for tests that wait for something the service only logs. */
export function recordLog(level: pino.Level = 'info'): RecordedLog {
  const messages: string[] = [];
  const waiters = new Set<(message: string) => void>();
  const log = pino({ level }, {
    write: (line: string) => {
      const message = String((JSON.parse(line) as { msg?: unknown }).msg);
      messages.push(message);
      for (const waiter of [...waiters]) waiter(message);
    },
  });
  const logged = (match: RegExp) => new Promise<string>((resolve) => {
    const found = messages.find((m) => match.test(m));
    if (found !== undefined) return resolve(found);
    const waiter = (message: string) => {
      if (!match.test(message)) return;
      waiters.delete(waiter);
      resolve(message);
    };
    waiters.add(waiter);
  });
  return { log, messages, logged };
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

/**
 * How long a test waits for something that should happen. Far more than it takes: the whole suite beside other
 * work on two cores can make seconds of it. Under the tests' 30 s timeout, so that a failure says what it waited for.
 */
export const WAIT_MS = 25_000;

/** Polls `check` until it returns a truthy value, or fails after `timeoutMs`. */
export async function waitFor<T>(check: () => Promise<T | undefined | null | false>, what: string, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export function repoPath(reposDir: string, owner: string, name: string): string {
  return path.join(reposDir, owner, `${name}.git`);
}

/** Waits until the push of `ref` to `after` has been recorded and triggered; returns its result. */
export async function waitForPushTriggered(sql: Sql, ref: string, after: string, timeoutMs = WAIT_MS): Promise<{ runs: unknown[]; skipped: Array<{ name: string; reason: string }> }> {
  return waitFor(async () => {
    const [row] = await sql<{ status: string; result: { runs: unknown[]; skipped: Array<{ name: string; reason: string }> } | null }[]>`
      select status, result from events
      where kind = 'push' and payload->>'ref' = ${ref} and payload->>'after' = ${after} and status <> 'pending'
      order by id desc limit 1`;
    return row?.result ?? null;
  }, `push of ${ref} to ${after.slice(0, 7)} to be triggered`, timeoutMs);
}
