import { parseArgs } from 'node:util';
import { openDatabase } from '../adapters/db/connect.js';
import { migrate } from '../adapters/db/migrate.js';
import { loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import type { CommandIO } from './io.js';

const HELP = `usage: plue-trigger migrate [--json]

Applies the database migrations the service needs, then exits (the service also applies them when it starts).
The database is DATABASE_URL's, or the embedded one under PLUE_DATA_DIR.
  --json   print {"applied": [...]}`;

export async function runMigrate(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({
    args: argv, options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const config = loadConfig(io.env, io.cwd);
  const log = createLogger(config.logLevel, { toStderr: true });
  const db = await openDatabase({ url: config.databaseUrl ?? undefined, dataDir: config.dataDir, log });
  try {
    const { applied } = await migrate(db.sql, { log });
    if (values.json) io.out(JSON.stringify({ applied }));
    else io.out(applied.length === 0 ? 'database is up to date' : `applied ${applied.join(', ')}`);
    return 0;
  } finally {
    await db.close();
  }
}
