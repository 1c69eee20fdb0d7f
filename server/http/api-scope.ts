import { Ajv } from 'ajv';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Sql } from '../adapters/db/connect.js';
import type { ApiTokenRow } from '../adapters/db/tokens.js';
import { findUnstorableText } from '../core/api/unstorable-text.js';
import { tokenRefusal } from '../core/api/token-scope.js';
import type { Access } from '../core/api/token-scope.js';
import { authenticateApiToken } from '../services/api/tokens.js';
import { bearerToken } from './auth.js';
import { HttpError, forbidden, unauthorized } from './errors.js';

// What every route of the user API shares: strict validation, storable text only, and token checks.

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The user API's access rule for the route: what its token must allow on the `:owner/:repo` repository. */
    access?: Access;
  }
  interface FastifyRequest {
    apiToken?: ApiTokenRow | null;
  }
}

/**
 * Bodies are checked as sent: a string is not a number, and an unknown field is an error rather than dropped.
 * Parameters, query strings and headers arrive as text, so there the declared types are converted.
 */
export function useStrictValidation(api: FastifyInstance): void {
  const options = { useDefaults: true, removeAdditional: false, allErrors: false, strict: false } as const;
  const body = new Ajv({ ...options, coerceTypes: false });
  const text = new Ajv({ ...options, coerceTypes: true });
  api.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? body : text).compile(schema));
}

/** 400 when `value` holds text PostgreSQL cannot store, or nests absurdly deep. */
export function refuseUnstorable(part: string, value: unknown): void {
  const problem = findUnstorableText(value);
  if (problem) throw new HttpError(400, 'invalid_request', `${part}${problem.path} ${problem.message}`, { part, ...problem });
}

/**
 * An `:id` is written in digits: the coercing validator would also take `0x10`, ` 5` or `1e3` (and Fastify's own,
 * `1e309` as Infinity), which name no row, or worse, reach SQL as `Infinity`.
 */
export async function digitsOnlyId(request: FastifyRequest): Promise<void> {
  const id = (request.params as { id?: unknown } | null)?.id;
  if (id !== undefined && !(typeof id === 'string' && /^[0-9]{1,16}$/.test(id))) {
    throw new HttpError(400, 'invalid_request', 'params/id must be a positive integer, in digits', { part: 'path' });
  }
}

/** NUL characters, lone surrogates and absurd nesting are refused before they reach a query (PostgreSQL rejects them). */
export function refuseUnstorableText(api: FastifyInstance): void {
  api.addHook('preValidation', async (request) => {
    await digitsOnlyId(request);
    refuseUnstorable('path', request.params);
    refuseUnstorable('query', request.query);
    refuseUnstorable('body', request.body);
  });
}

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
      throw unauthorized();
    }
    const row = await authenticateApiToken(deps.sql, token);
    if (!row) throw unauthorized();
    const params = request.params as { owner?: string; repo?: string };
    const refusal = tokenRefusal(row, { owner: params.owner ?? '', name: params.repo ?? '' }, access);
    if (refusal) throw forbidden(refusal);
    request.apiToken = row;
  });
}
