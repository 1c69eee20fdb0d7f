import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createSql, openDatabase } from '../adapters/db/connect.js';
import type { Sql } from '../adapters/db/connect.js';
import { runningEmbeddedUrl } from '../adapters/db/embedded-running.js';
import { migrate } from '../adapters/db/migrate.js';
import { findRepository } from '../adapters/db/repositories.js';
import { listApiTokens } from '../adapters/db/tokens.js';
import { discoverRepositories } from '../adapters/git/discovery.js';
import { parseTokenScope } from '../core/api/token-scope.js';
import { closestMatch } from '../core/language/suggest.js';
import { ConfigError, loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { TokenScopeError, createApiToken, revokeApiTokenAudited } from '../services/api/tokens.js';
import { positiveInteger, table } from './api-client.js';
import { subcommand } from './choices.js';
import type { CommandIO } from './io.js';
import { UsageError } from './usage.js';

const HELP = `usage: plue-trigger token create --scope admin|repo:OWNER/NAME [--read-only] [--name NAME] [--json]
       plue-trigger token list [--json]
       plue-trigger token revoke ID

Manages the user API's tokens, in the service's database (DATABASE_URL, or the embedded one under
PLUE_DATA_DIR, running or not). \`create\` prints the new token on standard output: it is shown only then.
  --scope admin            every repository
  --scope repo:OWNER/NAME  one repository
  --read-only              reads only
  --json                   create: {"id", "scope", "read_only", "name", "token"}; list: the rows
A repository scope must name a repository the service has (in its database, or under PLUE_REPOS_DIR).`;

const OPTIONS = {
  scope: { type: 'string' },
  'read-only': { type: 'boolean', default: false },
  name: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/**
 * Why a token for this scope would open nothing: a repository the service does not know (not in its database,
 * not under PLUE_REPOS_DIR). Null when it names one, or is not a repository scope.
 */
async function unknownRepositoryOf(sql: Sql, scopeText: string, reposDir: string): Promise<string | null> {
  const scope = parseTokenScope(scopeText);
  if (scope?.kind !== 'repo' || (await findRepository(sql, scope.owner, scope.name))) return null;
  const onDisk = (await discoverRepositories(reposDir)).repos.map((r) => `${r.owner}/${r.name}`);
  const wanted = `${scope.owner}/${scope.name}`;
  if (onDisk.includes(wanted)) return null;
  const near = closestMatch(wanted, onDisk);
  const there = onDisk.length > 0 ? ` (there: ${onDisk.slice(0, 10).join(', ')}${onDisk.length > 10 ? ', …' : ''})` : '';
  return `no repository ${wanted} under ${reposDir}${near ? `. Did you mean \`repo:${near}\`?` : there}`;
}

/** The service's database: DATABASE_URL, the running embedded server, or an embedded one started for this command. */
/** A token made anywhere else than in the service's database opens nothing: an absent data folder is not made. */
export class NoDataFolderError extends Error {}

async function withDatabase<T>(io: CommandIO, work: (sql: Sql) => Promise<T>): Promise<T> {
  const config = loadConfig(io.env, io.cwd);
  if (!config.databaseUrl && !existsSync(config.dataDir)) {
    throw new NoDataFolderError(`no data folder at ${config.dataDir}: the service's database is under its PLUE_DATA_DIR (by default `
      + '`data` in the folder where it was started); set PLUE_DATA_DIR to that folder, or DATABASE_URL');
  }
  const log = createLogger(io.env.PLUE_LOG_LEVEL || 'warn', { toStderr: true });
  const running = config.databaseUrl ? null : await runningEmbeddedUrl(config.dataDir);
  if (running) {
    const sql = createSql(running, { max: 1, applicationName: 'plue-trigger token' });
    try {
      await sql`select 1`;
      await migrate(sql);
      return await work(sql);
    } catch (error) {
      if ((error as { code?: string }).code !== 'ECONNREFUSED') throw error;
      // A stale postmaster.pid: nobody listens; start the embedded server below.
    } finally {
      await sql.end({ timeout: 5 });
    }
  }
  const db = await openDatabase({ url: config.databaseUrl ?? undefined, dataDir: config.dataDir, log, retry: { attempts: 3 } });
  try {
    await migrate(db.sql);
    return await work(db.sql);
  } finally {
    await db.close();
  }
}

export async function runToken(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  const [sub, id] = positionals;
  if (values.help || sub === undefined) {
    io.out(HELP);
    return values.help ? 0 : 2;
  }
  try {
    if (sub === 'create') {
      if (positionals.length !== 1) throw new UsageError('token create takes no arguments');
      if (values.scope === undefined) throw new UsageError('--scope is required: admin or repo:OWNER/NAME');
      const scope = values.scope;
      const reposDir = loadConfig(io.env, io.cwd).reposDir;
      const made = await withDatabase(io, async (sql) => {
        const unknown = await unknownRepositoryOf(sql, scope, reposDir);
        return unknown ?? createApiToken(sql, { scope, readOnly: values['read-only'], name: values.name ?? '' });
      }).catch((error: unknown) => {
        if (error instanceof TokenScopeError) throw new UsageError(error.message);
        throw error;
      });
      if (typeof made === 'string') {
        io.err(`plue-trigger token: ${made}; no token made`);
        return 1;
      }
      const { token, row } = made;
      io.err(`created API token ${row.id} (${row.scope}${row.read_only ? ', read-only' : ''}); it is shown only now:`);
      io.out(values.json ? JSON.stringify({ id: row.id, scope: row.scope, read_only: row.read_only, name: row.name, token }) : token);
      return 0;
    }
    if (sub === 'list') {
      const rows = await withDatabase(io, (sql) => listApiTokens(sql));
      if (values.json) io.out(JSON.stringify(rows, null, 2));
      else {
        const lines = table(['ID', 'SCOPE', 'ACCESS', 'NAME', 'CREATED', 'LAST USED', 'REVOKED'], rows.map((r) => [
          String(r.id), r.scope, r.read_only ? 'read' : 'read-write', r.name || '-', r.created_at.toISOString(),
          r.last_used_at?.toISOString() ?? '-', r.revoked_at?.toISOString() ?? '-',
        ]));
        for (const line of lines) io.out(line);
      }
      return 0;
    }
    if (sub === 'revoke') {
      if (positionals.length !== 2) throw new UsageError('token revoke takes ID');
      const tokenId = positiveInteger(id, 'ID');
      if (!(await withDatabase(io, (sql) => revokeApiTokenAudited(sql, tokenId)))) {
        io.err(`plue-trigger: no live API token ${tokenId}`);
        return 1;
      }
      io.err(`revoked API token ${tokenId}`);
      return 0;
    }
  } catch (error) {
    if (error instanceof NoDataFolderError) {
      io.err(`plue-trigger token: ${error.message}`);
      return 1;
    }
    if (error instanceof ConfigError) {
      io.err(`plue-trigger: ${error.message}`);
      return 2;
    }
    throw error;
  }
  subcommand('token', sub, ['create', 'list', 'revoke']);
  throw new UsageError(`token ${sub} takes other arguments`);
}
