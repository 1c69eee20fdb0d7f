// Opens the service's PostgreSQL: DATABASE_URL when given, else an embedded
// server under `<dataDir>/postgres`.
//
// bigint: ids are `bigint` in SQL and come back as JS numbers (int8 is parsed
// with Number()); identity values and counters stay far below 2^53. Rows keep
// their snake_case column names (no name transform).
import path from 'node:path';
import postgres from 'postgres';
import { startEmbeddedPostgres, type DbLogger } from './embedded.js';
import { setTimeout as sleep } from 'node:timers/promises';

export type { DbLogger } from './embedded.js';

export type DbTypes = { bigint: number };
/** Pool-level handle. */
export type Sql = postgres.Sql<DbTypes>;
/** Handle inside `sql.begin(tx => …)`. */
export type Tx = postgres.TransactionSql<DbTypes>;

export interface SqlOptions {
  /** Pool size. Default 10. */
  max?: number;
  applicationName?: string;
}

export function createSql(url: string, opts: SqlOptions = {}): Sql {
  const sql = postgres(url, {
    max: opts.max ?? 10,
    onnotice: () => {},
    connect_timeout: 10,
    connection: { application_name: opts.applicationName ?? 'plue-trigger' },
    types: {
      bigint: {
        to: 20,
        from: [20],
        parse: (raw: string) => Number(raw),
        serialize: (value: number) => String(value),
      },
    },
  });
  fetchArrayTypesOnce(sql);
  return sql;
}

// postgres.js fetches the array types on every new connection, and a connection lost during that fetch ends in
// an unhandled rejection no caller can catch (porsager/postgres#1192), which would take the service down while
// the database restarts. The types do not change, so only connections opened before the first fetch has
// completed fetch them; the others reuse the pool's map.
function fetchArrayTypesOnce(sql: Sql): void {
  const options = sql.options as unknown as { shared: { typeArrayMap: Record<string, number> } };
  Object.defineProperty(options, 'fetch_types', {
    get: () => Object.keys(options.shared.typeArrayMap).length === 0,
    configurable: true,
    enumerable: true,
  });
}

export interface RetryOptions {
  /** Attempts before giving up. Default 10 (about 30 s). */
  attempts?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
}

export interface OpenDatabaseOptions extends SqlOptions {
  /** External server; when absent an embedded one is started. */
  url?: string;
  /** PLUE_DATA_DIR; the embedded server keeps its files in `<dataDir>/postgres`. */
  dataDir: string;
  log: DbLogger;
  retry?: RetryOptions;
}

export interface Database {
  sql: Sql;
  url: string;
  embedded: boolean;
  close(): Promise<void>;
}

export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  const embedded = opts.url
    ? undefined
    : await startEmbeddedPostgres({ dataDir: path.join(opts.dataDir, 'postgres'), log: opts.log });
  const url = opts.url ?? embedded!.url;
  const sql = createSql(url, opts);
  const close = async () => {
    await sql.end({ timeout: 5 });
    await embedded?.stop();
  };
  try {
    await waitForDatabase(sql, opts.log, opts.retry);
  } catch (err) {
    await close();
    throw err;
  }
  opts.log.info(`connected to PostgreSQL at ${redactUrl(url)}`);
  return { sql, url, embedded: embedded !== undefined, close };
}

// Errors that may go away by themselves (server down, starting, overloaded).
const TRANSIENT = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND',
  'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED',
  '57P01', '57P02', '57P03', '53300',
]);

export function isTransientConnectError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRANSIENT.has(code);
}

/** Runs `select 1` until it succeeds, with backoff 0.5 s → 5 s; one log line per failed attempt. */
export async function waitForDatabase(sql: Sql, log: DbLogger, retry: RetryOptions = {}): Promise<void> {
  const attempts = retry.attempts ?? 10;
  let delay = retry.initialDelayMs ?? 500;
  for (let attempt = 1; ; attempt++) {
    try {
      await sql`select 1`;
      return;
    } catch (err) {
      if (!isTransientConnectError(err) || attempt >= attempts) throw err;
      const reason = (err as { code: string; message?: string });
      log.warn(
        `database not reachable (${reason.code}: ${reason.message ?? ''}); ` +
          `attempt ${attempt}/${attempts}, retrying in ${(delay / 1000).toFixed(1)} s`,
      );
      await sleep(delay);
      delay = Math.min(delay * 2, retry.maxDelayMs ?? 5_000);
    }
  }
}

/** The URL without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<unparsable database url>';
  }
}
