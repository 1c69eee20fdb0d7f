import type { Sql, Tx } from './connect.js';

/** Anything that runs a query: the pool or a transaction. Every query module takes one as its first argument. */
export type Queryable = Sql | Tx;
