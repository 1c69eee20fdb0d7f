import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Sql } from '../adapters/db/connect.js';
import type { ApiTokenRow } from '../adapters/db/tokens.js';
import { findUnstorableText } from '../core/api/unstorable-text.js';
import { tokenRefusal } from '../core/api/token-scope.js';
import type { Access } from '../core/api/token-scope.js';
import { authenticateApiToken } from '../services/api/tokens.js';
import { AppError, invalid } from '../services/errors/app-error.js';
import type { RequestPart } from '../services/errors/app-error.js';
import { bearerToken } from './auth.js';

// What every route of the user API shares: storable text only, and token checks.

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The user API's access rule for the route: what its token must allow on the `:owner/:repo` repository. */
    access?: Access;
    /** Top-level body fields the route's service checks itself, with errors that say more (a dispatch's `context`). */
    ownTextChecks?: readonly string[];
  }
  interface FastifyRequest {
    apiToken?: ApiTokenRow | null;
  }
}

/** 400 when `value` holds text PostgreSQL cannot store, or nests absurdly deep. */
export function refuseUnstorable(part: RequestPart, value: unknown): void {
  const problem = findUnstorableText(value);
  if (problem) {
    const field = problem.path.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');
    throw invalid('invalid_request', [{ part, field, code: problem.problem, message: `${part}${problem.path} ${problem.message}` }]);
  }
}

/**
 * An `:id` (and any `:…_id`) is written in digits: the coercing validator would also take `0x10`, ` 5` or `1e3` (and Fastify's own,
 * `1e309` as Infinity), which name no row, or worse, reach SQL as `Infinity`.
 */
export async function digitsOnlyId(request: FastifyRequest): Promise<void> {
  const params = (request.params ?? {}) as Record<string, unknown>;
  for (const field of Object.keys(params).filter((name) => name === 'id' || name.endsWith('_id'))) {
    const value = params[field];
    if (!(typeof value === 'string' && /^[0-9]{1,16}$/.test(value))) {
      throw invalid('invalid_request', [{ part: 'path', field, code: 'digits', message: `path/${field} must be a positive integer, in digits` }]);
    }
  }
}

/** NUL characters, lone surrogates and absurd nesting are refused before they reach a query (PostgreSQL rejects them). */
export function refuseUnstorableText(api: FastifyInstance): void {
  api.addHook('preValidation', async (request) => {
    await digitsOnlyId(request);
    refuseUnstorable('path', request.params);
    refuseUnstorable('query', request.query);
    refuseUnstorable('body', withoutFields(request.body, request.routeOptions.config.ownTextChecks));
  });
}

function withoutFields(body: unknown, fields: readonly string[] | undefined): unknown {
  if (fields === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  return Object.fromEntries(Object.entries(body).filter(([key]) => !fields.includes(key)));
}

/** What a person without a (valid) token is told to do. */
export const TOKEN_HINT = 'send an API token as `Authorization: Bearer <token>`; make one on the service\'s machine with '
  + '`plue-trigger token create --scope repo:OWNER/NAME` (or `--scope admin`)';

/**
 * Checks the bearer token against the route's `access` and its `:owner/:repo`, before the body is even read:
 * 401 without a (valid) token, 403 when its scope or read-only flag does not allow the request. Reads need no
 * token when `publicRead` is on.
 */
export function requireApiTokens(api: FastifyInstance, deps: { sql: Sql; publicRead: boolean }): void {
  api.addHook('onRequest', async (request: FastifyRequest) => {
    const access = request.routeOptions.config.access;
    if (access === undefined) return;
    const token = bearerToken(request);
    if (token === null) {
      if (access === 'read' && deps.publicRead) return;
      throw new AppError('unauthorized', {}, { hint: TOKEN_HINT });
    }
    const row = await authenticateApiToken(deps.sql, token);
    if (!row) throw new AppError('unauthorized', {}, { hint: TOKEN_HINT });
    const params = request.params as { owner?: string; repo?: string };
    const repository = params.owner === undefined || params.repo === undefined ? null : { owner: params.owner, name: params.repo };
    const refusal = tokenRefusal(row, repository, access);
    if (refusal) throw new AppError('forbidden', { reason: refusal });
    request.apiToken = row;
  });
}
