// Applies the plain SQL files in `migrations/` in filename order. Each file
// runs in its own transaction, together with its schema_migrations row, under
// a transaction-scoped advisory lock, so processes that start at once apply
// every file exactly once (the loser waits, then sees the row and skips).
// Files must not contain their own BEGIN/COMMIT.
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DbLogger, Sql } from './connect.js';

export interface MigrateOptions {
  /** Directory of *.sql files. Default: `migrations/` of the package. */
  dir?: string;
  log?: DbLogger;
}

export interface MigrationFile {
  name: string;
  path: string;
}

const CREATE_TABLE = `create table if not exists schema_migrations (
  name text primary key,
  applied_at timestamptz not null default now()
)`;

export async function migrate(sql: Sql, opts: MigrateOptions = {}): Promise<{ applied: string[] }> {
  const files = await listMigrationFiles(opts.dir ?? findMigrationsDir());
  const done = await appliedMigrations(sql);
  const applied: string[] = [];
  for (const file of files) {
    if (done.has(file.name)) continue;
    const content = await fs.readFile(file.path, 'utf8');
    const started = Date.now();
    const ran = await sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtext('plue-trigger:migrate'))`;
      await tx.unsafe(CREATE_TABLE);
      const rows = await tx`select 1 from schema_migrations where name = ${file.name}`;
      if (rows.length > 0) return false; // applied by a concurrent process while we waited
      await tx.unsafe(content).simple();
      await tx`insert into schema_migrations (name) values (${file.name})`;
      return true;
    });
    if (ran) {
      applied.push(file.name);
      opts.log?.info(`applied migration ${file.name} (${Date.now() - started} ms)`);
    }
  }
  return { applied };
}

/** Names already recorded; empty when the table does not exist yet (read without locking). */
async function appliedMigrations(sql: Sql): Promise<Set<string>> {
  const [exists] = await sql<{ t: string | null }[]>`select to_regclass('schema_migrations')::text as t`;
  if (!exists?.t) return new Set();
  const rows = await sql<{ name: string }[]>`select name from schema_migrations`;
  return new Set(rows.map((r) => r.name));
}

export async function listMigrationFiles(dir: string): Promise<MigrationFile[]> {
  const names = (await fs.readdir(dir)).filter((n) => n.endsWith('.sql'));
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)); // byte order, locale-independent
  return names.map((name) => ({ name, path: path.join(dir, name) }));
}

/** `migrations/` of the package root: found upward from this file, so it works from `server/` and `dist/server/`. */
export function findMigrationsDir(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'migrations'))) {
      return path.join(dir, 'migrations');
    }
    if (dir === path.dirname(dir)) throw new Error(`no migrations/ directory above ${from}`);
  }
}
