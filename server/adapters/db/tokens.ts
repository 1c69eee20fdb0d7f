import type { Queryable } from './queryable.js';

// api_tokens: the user API's tokens, stored as their SHA-256 only.

export interface ApiTokenRow {
  id: number;
  name: string;
  scope: string;
  read_only: boolean;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const COLUMNS = 'id, name, scope, read_only, created_at, last_used_at, revoked_at';

export async function insertApiToken(
  db: Queryable,
  token: { name: string; scope: string; readOnly: boolean; tokenHash: string },
): Promise<ApiTokenRow> {
  const [row] = await db<ApiTokenRow[]>`
    insert into api_tokens (name, scope, read_only, token_hash)
    values (${token.name}, ${token.scope}, ${token.readOnly}, ${token.tokenHash})
    returning ${db.unsafe(COLUMNS)}`;
  return row!;
}

/** The live (not revoked) token with this hash, or null. */
export async function findApiToken(db: Queryable, tokenHash: string): Promise<(ApiTokenRow & { token_hash: string }) | null> {
  const [row] = await db<(ApiTokenRow & { token_hash: string })[]>`
    select ${db.unsafe(COLUMNS)}, token_hash from api_tokens where token_hash = ${tokenHash} and revoked_at is null`;
  return row ?? null;
}

/** Records a use, at most once a minute per token (a write per request would be wasted). */
export async function touchApiToken(db: Queryable, id: number): Promise<void> {
  await db`
    update api_tokens set last_used_at = now()
    where id = ${id} and (last_used_at is null or last_used_at < now() - interval '1 minute')`;
}

export async function listApiTokens(db: Queryable): Promise<ApiTokenRow[]> {
  return db<ApiTokenRow[]>`select ${db.unsafe(COLUMNS)} from api_tokens order by id`;
}

/** Revokes the token; null when there is no live token with this id. */
export async function revokeApiToken(db: Queryable, id: number): Promise<ApiTokenRow | null> {
  const [row] = await db<ApiTokenRow[]>`
    update api_tokens set revoked_at = now() where id = ${id} and revoked_at is null returning ${db.unsafe(COLUMNS)}`;
  return row ?? null;
}
