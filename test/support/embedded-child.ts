// Child process for the kill -9 test: starts embedded PostgreSQL in argv[2],
// writes a marker row, prints one JSON line, then waits to be killed.
import { createSql } from '../../server/adapters/db/connect.js';
import { startEmbeddedPostgres } from '../../server/adapters/db/embedded.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: embedded-child.ts <dataDir>');
const pg = await startEmbeddedPostgres({ dataDir, durable: false });
const sql = createSql(pg.url, { max: 1 });
await sql`create table if not exists marker (value int not null)`;
await sql`insert into marker (value) values (42)`;
process.stdout.write(`${JSON.stringify({ url: pg.url, postmasterPid: pg.pid })}\n`);
setInterval(() => {}, 60_000);
