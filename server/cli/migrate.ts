import { openDatabase } from '../adapters/db/connect.js';
import { migrate } from '../adapters/db/migrate.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import type { CommandIO } from './io.js';

export async function runMigrate(_argv: string[], io: CommandIO): Promise<number> {
  const config = loadConfig(io.env, io.cwd);
  const log = createLogger(config.logLevel);
  const db = await openDatabase({ url: config.databaseUrl ?? undefined, dataDir: config.dataDir, log });
  try {
    const { applied } = await migrate(db.sql, { log });
    io.out(applied.length === 0 ? 'database is up to date' : `applied ${applied.join(', ')}`);
    return 0;
  } finally {
    await db.close();
  }
}
