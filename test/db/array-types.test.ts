// A connection lost while postgres.js fetches array types must not become an unhandled rejection: the pool
// fetches them on its first connection only. A TCP proxy in front of the test database cuts any later
// connection that asks for them.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, expect, it } from 'vitest';
import { createSql } from '../../server/adapters/db/connect.js';
import { useTestDatabase } from '../support/db.js';

const db = useTestDatabase();
const sockets = new Set<Socket>();
let proxy: Server | undefined;

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
});

/** Forwards to the database; from the second connection on, cuts a connection that asks for pg_type. */
async function cuttingProxy(target: URL): Promise<{ url: string; cuts: () => number }> {
  let connections = 0;
  let cuts = 0;
  proxy = createServer((client) => {
    const first = ++connections === 1;
    const server = connect(Number(target.port), target.hostname);
    for (const s of [client, server]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => { client.destroy(); server.destroy(); });
    }
    client.on('data', (chunk: Buffer) => {
      if (!first && chunk.includes('pg_catalog.pg_type')) {
        cuts++;
        client.destroy();
        return;
      }
      server.write(chunk);
    });
    server.pipe(client);
  });
  await new Promise<void>((resolve) => proxy!.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String((proxy.address() as AddressInfo).port);
  return { url: url.toString(), cuts: () => cuts };
}

it('fetches array types on the first connection only', async () => {
  const { url, cuts } = await cuttingProxy(new URL(db.url));
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  const sql = createSql(url, { max: 2 });
  try {
    expect(await sql`select ${[1, 2, 3]}::bigint[] as ids`).toEqual([{ ids: [1, 2, 3] }]);
    // Holding the first connection makes the pool open a second one.
    const held = await sql.reserve();
    try {
      expect(await sql`select ${['a', 'b']}::text[] as names`).toEqual([{ names: ['a', 'b'] }]);
    } finally {
      held.release();
    }
    expect(cuts()).toBe(0);
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', onUnhandled);
    await sql.end({ timeout: 5 });
  }
});

// postgres.js opened a connection for `sql.reserve()` but, when it had no types to fetch, never handed it out: the
// reserve waited forever and the connection stayed "connecting" (patched in patches/postgres+3.4.9.patch).
it('hands out a connection opened for a reserve once the types are known', async () => {
  const sql = createSql(db.url, { max: 3 });
  try {
    await sql`select 1`; // types fetched on the first connection
    const reserved = await Promise.all([sql.reserve(), sql.reserve(), sql.reserve()]);
    expect(await Promise.all(reserved.map(async (r) => (await r`select 1 as one`)[0]))).toEqual([{ one: 1 }, { one: 1 }, { one: 1 }]);
    for (const r of reserved) r.release();
  } finally {
    await sql.end({ timeout: 5 });
  }
});
