import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createSql, openDatabase, type DbLogger } from '../../server/adapters/db/connect.js';
import { startEmbeddedPostgres } from '../../server/adapters/db/embedded.js';
import { migrate } from '../../server/adapters/db/migrate.js';

const childScript = path.resolve(import.meta.dirname, '../support/embedded-child.ts');
const dirs: string[] = [];
const execFileAsync = promisify(execFile);

afterAll(async () => {
  await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'plue-embedded-test-'));
  await fs.chmod(dir, 0o755); // as root, postgres runs as the `postgres` user, which must enter it
  dirs.push(dir);
  return dir;
}

let stoppedCluster: Promise<string> | undefined;

/**
 * A data dir holding a stopped cluster: a copy (owners kept) of one made for this file, since initdb costs seconds
 * of CPU. Tests of the first start itself use an empty `tempDir()`.
 */
async function clusterDir(): Promise<string> {
  stoppedCluster ??= (async () => {
    const dir = await tempDir();
    await (await startEmbeddedPostgres({ dataDir: dir, durable: false })).stop();
    return dir;
  })();
  const dir = await tempDir();
  await execFileAsync('cp', ['-a', `${await stoppedCluster}/.`, dir]);
  return dir;
}

function startChild(dataDir: string): Promise<{ child: ChildProcess; postmasterPid: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', childScript, dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      resolve({ child, postmasterPid: (JSON.parse(line) as { postmasterPid: number }).postmasterPid });
    });
  });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return !/\)\s+Z/.test(procStat(pid)); // a zombie has exited
}

function procStat(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return '';
  }
}

async function markerValues(url: string): Promise<number[]> {
  const sql = createSql(url, { max: 1 });
  try {
    const rows = await sql<{ value: number }[]>`select value from marker`;
    return rows.map((r) => r.value);
  } finally {
    await sql.end();
  }
}

describe('embedded PostgreSQL', () => {
  it('comes back after the owning process was killed with SIGKILL', async () => {
    const dataDir = await clusterDir();
    const { child, postmasterPid } = await startChild(dataDir);

    // While the owner lives, the data dir is in use.
    await expect(startEmbeddedPostgres({ dataDir, durable: false })).rejects.toThrow(/in use by process/);

    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    expect(isRunning(postmasterPid)).toBe(true); // the orphan outlives its parent

    const started = Date.now();
    const pg = await startEmbeddedPostgres({ dataDir, durable: false });
    try {
      console.log(`restart after kill -9 (orphan stopped, server started): ${Date.now() - started} ms`);
      expect(pg.pid).not.toBe(postmasterPid);
      expect(isRunning(postmasterPid)).toBe(false);
      expect(await markerValues(pg.url)).toEqual([42]);
    } finally {
      await pg.stop();
    }
  });

  it('starts over a stale postmaster.pid whose process is gone', async () => {
    const dataDir = await clusterDir();
    const first = await startEmbeddedPostgres({ dataDir, durable: false });
    const url1 = first.url;
    await first.stop();

    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => gone.once('exit', r));
    const pidFile = path.join(dataDir, 'pgdata', 'postmaster.pid');
    await fs.writeFile(pidFile, `${gone.pid}\n${path.join(dataDir, 'pgdata')}\n`);

    const second = await startEmbeddedPostgres({ dataDir, durable: false });
    try {
      const sql = createSql(second.url, { max: 1 });
      const [row] = await sql<{ one: number }[]>`select 1 as one`;
      await sql.end();
      expect(row?.one).toBe(1);
      // Same cluster and password, new port each start.
      expect(new URL(second.url).password).toBe(new URL(url1).password);
    } finally {
      await second.stop();
    }
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function recordingLogger(): DbLogger & { warnings: string[]; warned: Promise<void> } {
  const warnings: string[] = [];
  let firstWarning = () => {};
  const warned = new Promise<void>((resolve) => (firstWarning = resolve));
  return {
    warnings, warned, info: () => {},
    warn: (msg) => {
      warnings.push(msg);
      firstWarning();
    },
  };
}

describe('openDatabase', () => {
  it('starts embedded PostgreSQL under <dataDir>/postgres when no URL is given', async () => {
    const dataDir = await tempDir();
    const db = await openDatabase({ dataDir, log: recordingLogger() });
    try {
      expect(db.embedded).toBe(true);
      await expect(fs.stat(path.join(dataDir, 'postgres', 'pgdata', 'PG_VERSION'))).resolves.toBeTruthy();
      expect((await migrate(db.sql)).applied).toContain('0001_init.sql');
      const [row] = await db.sql<{ db: string }[]>`select current_database() as db`;
      expect(row?.db).toBe('plue');
    } finally {
      await db.close();
    }
  });

  it('waits for a server that comes up late, logging each failed attempt', async () => {
    const dataDir = await clusterDir();
    const first = await startEmbeddedPostgres({ dataDir, durable: false });
    const { url, port } = first;
    await first.stop();

    const log = recordingLogger();
    // Attempts for far longer than a server takes to start on a loaded machine; it starts after the first failed one.
    const opening = openDatabase({ url, dataDir, log, retry: { attempts: 150, initialDelayMs: 100, maxDelayMs: 200 } });
    const later = log.warned.then(() => startEmbeddedPostgres({ dataDir, port, durable: false }));
    const [db, server] = await Promise.all([opening, later]);
    try {
      expect(db.embedded).toBe(false);
      expect(log.warnings[0]).toMatch(/ECONNREFUSED.*attempt 1\/150/);
      await expect(db.sql`select 1`).resolves.toHaveLength(1);
    } finally {
      await db.close();
      await server.stop();
    }
  });

  it('gives up after the last attempt', async () => {
    const url = `postgres://postgres:x@127.0.0.1:${await closedPort()}/plue`;
    const log = recordingLogger();
    await expect(
      openDatabase({ url, dataDir: '/nonexistent', log, retry: { attempts: 3, initialDelayMs: 10 } }),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(log.warnings).toHaveLength(2);
  });

  it('does not retry a wrong password', async () => {
    const pg = await startEmbeddedPostgres({ dataDir: await clusterDir(), durable: false });
    try {
      const wrong = new URL(pg.url);
      wrong.password = 'wrong';
      const log = recordingLogger();
      await expect(
        openDatabase({ url: wrong.toString(), dataDir: '/nonexistent', log, retry: { attempts: 5, initialDelayMs: 10 } }),
      ).rejects.toMatchObject({ code: '28P01' });
      expect(log.warnings).toHaveLength(0);
    } finally {
      await pg.stop();
    }
  });
});
