import { expect, it } from 'vitest';
import { createSql } from '../../server/adapters/db/connect.js';
import { oneTripTransaction, pipelinedTransaction } from '../../server/adapters/db/pipelined-transaction.js';
import { useTestDatabase } from '../support/db.js';

const db = useTestDatabase();
const names = async () => (await db.sql<{ name: string }[]>`select name from runners where name like 'pipelined-%' order by name`).map((r) => r.name);

it('commits all of a pipelined transaction or nothing, and leaves its connection fit for the next', async () => {
  const sql = createSql(db.url, { max: 1 });
  try {
    await expect(pipelinedTransaction(sql, async (tx) => {
      await Promise.all([tx`insert into runners (name, token_hash) values ('pipelined-a', 'pipelined-a')`, tx`select 1 / 0`]);
    })).rejects.toThrow(/division by zero/);
    await expect(oneTripTransaction(sql, (tx) => tx`
      insert into runners (name, token_hash) values ('pipelined-b', 'pipelined-b'), ('pipelined-c', 'pipelined-b')`)).rejects.toThrow(/duplicate key/);
    expect(await names()).toEqual([]);
    await pipelinedTransaction(sql, async (tx) => { await tx`insert into runners (name, token_hash) values ('pipelined-d', 'pipelined-d')`; });
    expect(await oneTripTransaction(sql, (tx) => tx`insert into runners (name, token_hash) values ('pipelined-e', 'pipelined-e') returning name`))
      .toEqual([{ name: 'pipelined-e' }]);
    expect(await names()).toEqual(['pipelined-d', 'pipelined-e']);
    expect(await sql`select current_setting('plan_cache_mode') as mode`).toEqual([{ mode: 'auto' }]); // `set local` ended with them
  } finally {
    await sql.end({ timeout: 5 });
  }
});
