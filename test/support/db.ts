// Each test FILE gets its own database, copied from the migrated template
// (fast), or empty when it tests migrations themselves.
//
//   const db = useTestDatabase();
//   it('…', async () => { await db.sql`select 1`; });
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { createSql, type Sql } from '../../server/adapters/db/connect.js';
import { databaseUrl } from './db-url.js';
import type {} from './provided-context.js';

export interface TestDatabase {
  sql: Sql;
  url: string;
  name: string;
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** No schema at all (for migration tests). */
  empty?: boolean;
  /** Pool size. Default 10. */
  max?: number;
}

export async function createTestDatabase(opts: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const { adminUrl, template } = inject('plueTestDb');
  const name = `plue_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (admin) =>
    admin.unsafe(`create database ${name} template ${opts.empty ? 'template0' : template}`),
  );
  const url = databaseUrl(adminUrl, name);
  const sql = createSql(url, { max: opts.max ?? 10, applicationName: 'plue-test' });
  let dropped: Promise<void> | undefined;
  const drop = () =>
    (dropped ??= (async () => {
      await sql.end({ timeout: 5 });
      await withAdmin(adminUrl, (admin) => admin.unsafe(`drop database if exists ${name} with (force)`));
    })());
  return { sql, url, name, drop };
}

/** Registers beforeAll/afterAll; the returned handle is usable inside tests. */
export function useTestDatabase(opts: TestDatabaseOptions = {}): TestDatabase {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase(opts);
  });
  afterAll(async () => {
    await db?.drop();
  });
  const current = (): TestDatabase => {
    if (!db) throw new Error('test database is only available inside tests (after beforeAll)');
    return db;
  };
  return {
    get sql() {
      return current().sql;
    },
    get url() {
      return current().url;
    },
    get name() {
      return current().name;
    },
    drop: () => current().drop(),
  };
}

/** Opens another pool on the same test database (e.g. to act as a second process). */
export function connectTo(url: string, max = 5): Sql {
  return createSql(url, { max, applicationName: 'plue-test' });
}

async function withAdmin<T>(adminUrl: string, fn: (admin: Sql) => Promise<T>): Promise<T> {
  const admin = createSql(adminUrl, { max: 1, applicationName: 'plue-test-admin' });
  try {
    return await fn(admin);
  } finally {
    await admin.end({ timeout: 5 });
  }
}
