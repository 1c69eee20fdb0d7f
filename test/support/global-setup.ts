// One PostgreSQL per test run: DATABASE_URL when set, else an embedded server
// in a fresh temp dir. A template database is migrated once here; each test
// file copies it (see db.ts).
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { createSql } from '../../server/adapters/db/connect.js';
import { startEmbeddedPostgres } from '../../server/adapters/db/embedded.js';
import { migrate } from '../../server/adapters/db/migrate.js';
import { databaseUrl } from './db-url.js';
import type {} from './provided-context.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const external = process.env.DATABASE_URL;
  let stopServer = async () => {};
  let adminUrl: string;
  if (external) {
    adminUrl = external;
  } else {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'plue-test-pg-'));
    const pg = await startEmbeddedPostgres({ dataDir: dir, database: 'postgres', durable: false });
    adminUrl = pg.adminUrl;
    stopServer = async () => {
      await pg.stop();
      await fs.rm(dir, { recursive: true, force: true });
    };
  }
  const serverReady = Date.now();

  // Per-run name, so runs sharing one external server do not trip over each other.
  const template = `plue_template_${process.pid}`;
  const admin = createSql(adminUrl, { max: 1 });
  await admin.unsafe(`drop database if exists ${template} with (force)`);
  await admin.unsafe(`create database ${template} template template0`);
  const tsql = createSql(databaseUrl(adminUrl, template), { max: 1 });
  try {
    await migrate(tsql);
  } finally {
    await tsql.end(); // CREATE DATABASE … TEMPLATE refuses while anyone is connected to the template
  }
  console.log(
    `test PostgreSQL (${external ? 'DATABASE_URL' : 'embedded'}): server ready in ${serverReady - started} ms, ` +
      `template migrated in ${Date.now() - serverReady} ms`,
  );
  project.provide('plueTestDb', { adminUrl, template });

  return async () => {
    await admin.unsafe(`drop database if exists ${template} with (force)`).catch(() => {});
    await admin.end({ timeout: 5 });
    await stopServer();
  };
}
