import type postgres from 'postgres';
import type { Sql } from './connect.js';
import type { Queryable } from './queryable.js';

// Transactions for the paths that run for every runner request (claims, final statuses): on a reserved connection,
// with BEGIN sent together with the first statements rather than a round trip of its own (`sql.begin` waits for
// it), and with generic plans: these statements are the same every time, and planning the claim took longer than
// running it. A statement that fails leaves the transaction aborted; it is rolled back and the error thrown.

type Reserved = postgres.ReservedSql<{ bigint: number }>;

function begin(tx: Reserved): Promise<unknown> {
  return Promise.all([tx`begin`.execute(), tx`set local plan_cache_mode = force_generic_plan`.execute()]);
}

/**
 * Sends COMMIT behind the statements already asked for, in the same round trip: call it together with them (in
 * one `Promise.all`). It goes at the end of the event-loop turn, after every statement those calls send. When one
 * of them fails, PostgreSQL turns the COMMIT into a rollback.
 */
export type CommitWith = () => Promise<unknown>;

/** Runs `work` in a transaction; COMMIT goes with work's last statements (`commitWith`) or once `work` is done. */
export async function pipelinedTransaction<T>(sql: Sql, work: (tx: Queryable, commitWith: CommitWith) => Promise<T>): Promise<T> {
  const tx = await sql.reserve();
  let committed: Promise<unknown> | null = null;
  const commitWith = () => (committed ??= new Promise(setImmediate).then(() => tx`commit`));
  try {
    const [begun, worked] = await Promise.allSettled([begin(tx), work(tx, commitWith)]);
    if (begun.status === 'rejected' || worked.status === 'rejected') {
      await tx`rollback`.catch(() => undefined);
      throw begun.status === 'rejected' ? begun.reason : (worked as PromiseRejectedResult).reason;
    }
    await commitWith();
    return worked.value;
  } finally {
    tx.release();
  }
}

/**
 * One statement in a transaction of one round trip: BEGIN, the statement and COMMIT go together. When the statement
 * fails, PostgreSQL turns the COMMIT into a rollback.
 */
export async function oneTripTransaction<T extends readonly postgres.Row[]>(sql: Sql, statement: (tx: Queryable) => postgres.PendingQuery<T>): Promise<T> {
  const tx = await sql.reserve();
  try {
    // Settled all before the connection goes back to the pool, so nothing of this transaction is still on it.
    const [begun, ran, committed] = await Promise.allSettled([begin(tx), statement(tx).execute(), tx`commit`.execute()]);
    for (const step of [begun, ran, committed]) if (step.status === 'rejected') throw step.reason;
    return (ran as PromiseFulfilledResult<T>).value;
  } finally {
    tx.release();
  }
}
