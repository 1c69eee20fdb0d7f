import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Sql } from '../adapters/db/connect.js';
import type { ApiTokenRow } from '../adapters/db/tokens.js';
import { deleteWebSession, findWebSessionToken, insertWebSession } from '../adapters/db/web-sessions.js';
import { cookieHeader, parseCookies } from '../core/dashboard/cookies.js';
import { tokenRefusal } from '../core/api/token-scope.js';
import type { Access } from '../core/api/token-scope.js';
import type { RepositoryName } from '../core/dashboard/page-paths.js';
import { authenticateApiToken } from '../services/api/tokens.js';
import { AppError } from '../services/errors/app-error.js';
import { tokensEqual } from '../http/auth.js';
import { hashToken as sha256 } from '../services/runners/tokens.js';

// Who is looking at a page: a session made from an API token (signed in), or nobody. A session acts with its
// token's rights (server/core/api/token-scope.ts), so the pages allow exactly what the API would.
//
// CSRF: every form carries a token the server checks on POST. Signed in, it is derived from the session id (which
// only the HttpOnly cookie holds); before signing in (the sign-in form itself), it is the value of a random
// pre-session cookie (double submit). SameSite=Strict cookies are a second line.

export const SESSION_COOKIE = 'plue_session';
const PRESESSION_COOKIE = 'plue_csrf';
const SESSION_TTL_SECONDS = 7 * 24 * 3600;


export interface Viewer {
  /** The token the session acts as; null when not signed in. */
  token: ApiTokenRow | null;
  /** What forms must send back. */
  csrf: string;
  /** Reads need no session (PLUE_PUBLIC_READ=1). */
  publicRead: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    viewer?: Viewer;
  }
}

/** Whether cookies must be `Secure`: the service is served over https (PLUE_URL says so, or this request came so). */
export function secureCookies(request: FastifyRequest, serverUrl: string | undefined): boolean {
  return request.protocol === 'https' || (serverUrl ?? '').startsWith('https:');
}

/** Finds the request's viewer; sets the pre-session cookie when it has neither a session nor one. */
export async function loadViewer(
  sql: Sql, request: FastifyRequest, reply: FastifyReply, options: { publicRead: boolean; secure: boolean },
): Promise<Viewer> {
  const cookies = parseCookies(request.headers.cookie);
  const sessionId = cookies.get(SESSION_COOKIE);
  if (sessionId !== undefined && /^[A-Za-z0-9_-]{43}$/.test(sessionId)) {
    const token = await findWebSessionToken(sql, sha256(sessionId));
    if (token) return { token, csrf: sha256(`csrf:${sessionId}`), publicRead: options.publicRead };
  }
  let presession = cookies.get(PRESESSION_COOKIE);
  if (presession === undefined || !/^[A-Za-z0-9_-]{43}$/.test(presession)) {
    presession = randomBytes(32).toString('base64url');
    void reply.header('set-cookie', cookieHeader(PRESESSION_COOKIE, presession, { secure: options.secure }));
  }
  return { token: null, csrf: presession, publicRead: options.publicRead };
}

/** 403 unless the form sent the viewer's CSRF token. */
export function checkCsrf(viewer: Viewer, body: unknown): void {
  const sent = body !== null && typeof body === 'object' ? (body as Record<string, unknown>).csrf : undefined;
  if (typeof sent !== 'string' || !tokensEqual(sent, viewer.csrf)) {
    throw new AppError('forbidden', { reason: 'the form was not sent from this site (its CSRF token is missing or wrong); reload the page and try again' });
  }
}

/** Makes a session from an API token; null when the token is not a live one. Returns the cookie to set. */
export async function signIn(sql: Sql, token: string, secure: boolean): Promise<string | null> {
  const row = await authenticateApiToken(sql, token);
  if (!row) return null;
  const sessionId = randomBytes(32).toString('base64url');
  await insertWebSession(sql, { sessionHash: sha256(sessionId), tokenId: row.id, ttlSeconds: SESSION_TTL_SECONDS });
  return cookieHeader(SESSION_COOKIE, sessionId, { secure, maxAge: SESSION_TTL_SECONDS });
}

/** Ends the request's session; returns the cookie that deletes it. */
export async function signOut(sql: Sql, request: FastifyRequest, secure: boolean): Promise<string> {
  const sessionId = parseCookies(request.headers.cookie).get(SESSION_COOKIE);
  if (sessionId !== undefined) await deleteWebSession(sql, sha256(sessionId));
  return cookieHeader(SESSION_COOKIE, '', { secure, maxAge: 0 });
}

/** Whether the viewer may do `access` on the repository. */
export function viewerMay(viewer: Viewer, repository: RepositoryName, access: Access): boolean {
  if (viewer.token === null) return access === 'read' && viewer.publicRead;
  return tokenRefusal(viewer.token, repository, access) === null;
}

/** Reading pages that are not a repository's (the runners): anyone signed in, or everyone when reads are public. */
export function viewerMayReadService(viewer: Viewer): boolean {
  return viewer.token !== null || viewer.publicRead;
}
