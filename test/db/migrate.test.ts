import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findMigrationsDir, listMigrationFiles, migrate } from '../../server/adapters/db/migrate.js';
import { connectTo, createTestDatabase, type TestDatabase } from '../support/db.js';

const root = path.resolve(import.meta.dirname, '../..');
const opened: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(opened.map((db) => db.drop()));
});

async function emptyDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase({ empty: true });
  opened.push(db);
  return db;
}

async function allMigrationNames(): Promise<string[]> {
  return (await listMigrationFiles(findMigrationsDir())).map((f) => f.name);
}

describe('findMigrationsDir', () => {
  it.each([
    ['source tree', path.join(root, 'server', 'adapters', 'db')],
    ['compiled tree', path.join(root, 'dist', 'server', 'adapters', 'db')],
  ])('finds migrations/ of the package from the %s', (_label, from) => {
    expect(findMigrationsDir(from)).toBe(path.join(root, 'migrations'));
  });
});

describe('migrate', () => {
  it('applies every migration on an empty database, then nothing the second time', async () => {
    const db = await emptyDatabase();
    const names = await allMigrationNames();
    expect(names[0]).toBe('0001_init.sql');

    expect(await migrate(db.sql)).toEqual({ applied: names });
    const rows = await db.sql<{ name: string }[]>`select name from schema_migrations order by name`;
    expect(rows.map((r) => r.name)).toEqual(names);
    const [repos] = await db.sql<{ t: string | null }[]>`select to_regclass('repositories')::text as t`;
    expect(repos?.t).toBe('repositories');

    expect(await migrate(db.sql)).toEqual({ applied: [] });
  });

  it('applies each migration once when two processes migrate at the same time', async () => {
    const db = await emptyDatabase();
    const other = connectTo(db.url);
    try {
      const results = await Promise.all([migrate(db.sql), migrate(other), migrate(db.sql)]);
      const applied = results.flatMap((r) => r.applied).sort();
      expect(applied).toEqual(await allMigrationNames());
      const [count] = await db.sql<{ n: number }[]>`select count(*) as n from schema_migrations`;
      expect(count?.n).toBe(applied.length);
    } finally {
      await other.end();
    }
  });

  it('applies files in filename order and rolls back a failing file whole', async () => {
    const db = await emptyDatabase();
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'plue-migrations-'));
    try {
      const files: [string, string][] = [
        ['002_b.sql', 'insert into t (v) values (2);'],
        ['001_a.sql', 'create table t (v int not null); insert into t (v) values (1);'],
        ['003_bad.sql', 'insert into t (v) values (3); select no_such_function();'],
        ['notes.txt', 'not a migration'],
      ];
      await Promise.all(files.map(([name, body]) => fs.writeFile(path.join(dir, name), body)));

      await expect(migrate(db.sql, { dir })).rejects.toThrow(/no_such_function/);
      const values = await db.sql<{ v: number }[]>`select v from t order by v`;
      expect(values.map((r) => r.v)).toEqual([1, 2]);
      const names = await db.sql<{ name: string }[]>`select name from schema_migrations order by name`;
      expect(names.map((r) => r.name)).toEqual(['001_a.sql', '002_b.sql']);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
