import type { Queryable } from './queryable.js';
import type { ApiTokenRow } from './tokens.js';

// web_sessions: the dashboard's sessions, by the SHA-256 of their id, each acting as one API token.

export async function insertWebSession(db: Queryable, session: { sessionHash: string; tokenId: number; ttlSeconds: number }): Promise<void> {
  // Expired sessions of anyone go as a new one is made: sign-ins are rare, so this keeps the table small for free.
  await db`delete from web_sessions where expires_at < now()`;
  await db`
    insert into web_sessions (session_hash, token_id, expires_at)
    values (${session.sessionHash}, ${session.tokenId}, now() + make_interval(secs => ${session.ttlSeconds}))`;
}

/** The live token a live session acts as, or null. */
export async function findWebSessionToken(db: Queryable, sessionHash: string): Promise<ApiTokenRow | null> {
  const [row] = await db<ApiTokenRow[]>`
    select t.id, t.name, t.scope, t.read_only, t.created_at, t.last_used_at, t.revoked_at
    from web_sessions s join api_tokens t on t.id = s.token_id
    where s.session_hash = ${sessionHash} and s.expires_at > now() and t.revoked_at is null`;
  return row ?? null;
}

export async function deleteWebSession(db: Queryable, sessionHash: string): Promise<void> {
  await db`delete from web_sessions where session_hash = ${sessionHash}`;
}
