// The one place that turns errors into replies: `{"error": {code, message, details}}` with the catalogue's status
// (server/services/errors/catalogue.ts). Anything not in the catalogue is a 500 `internal`, logged, never shown.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isTransientConnectError } from '../adapters/db/connect.js';
import { UnknownRepositoryError } from '../services/ingest/registry.js';
import { AppError, invalid } from '../services/errors/app-error.js';
import { problemsOfValidation } from './validation.js';
import { asError } from '../logger.js';

/** Fastify's own refusals (body parsing, URLs), in the catalogue's words. */
const FRAMEWORK_ERRORS: Record<string, (request: FastifyRequest) => AppError> = {
  FST_ERR_CTP_INVALID_JSON_BODY: () => new AppError('invalid_json', { reason: 'is not valid JSON' }),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new AppError('invalid_json', { reason: 'is empty but Content-Type says application/json' }),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => invalid('invalid_request', [
    { part: 'header', field: 'content-length', code: 'mismatch', message: 'Content-Length does not match the body' },
  ]),
  FST_ERR_CTP_BODY_TOO_LARGE: (request) => new AppError('body_too_large', { limit: request.routeOptions.bodyLimit ?? 1024 * 1024 }),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: (request) => new AppError('unsupported_media_type', { type: String(request.headers['content-type'] ?? '').slice(0, 200) }),
  FST_ERR_BAD_URL: () => new AppError('invalid_url'),
  FST_ERR_MAX_PARAM_LENGTH: () => new AppError('uri_too_long'),
};

/** Errors of modules that do not throw catalogue errors themselves. */
function foreignError(error: unknown): AppError | null {
  if (isTransientConnectError(error)) return new AppError('database_unavailable');
  if (error instanceof UnknownRepositoryError) return new AppError('unknown_repository', { reason: error.message });
  return null;
}

/** The catalogue error `error` is, or null for an unexpected one (a bug, a lost database…). */
function catalogueErrorOf(error: unknown, request: FastifyRequest): AppError | null {
  if (error instanceof AppError) return error;
  const fastifyError = error as Partial<FastifyError> | null;
  if (fastifyError?.validation) return invalid('invalid_request', problemsOfValidation(fastifyError.validationContext, fastifyError.validation));
  const framework = FRAMEWORK_ERRORS[fastifyError?.code ?? ''];
  if (framework) return framework(request);
  const foreign = foreignError(error);
  if (foreign) return foreign;
  const status = fastifyError?.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    // Another refusal of Fastify's before the handler: the request is at fault, so it is told what Fastify said.
    return invalid('invalid_request', [
      { part: 'body', field: '', code: String(fastifyError?.code ?? 'bad_request').toLowerCase(), message: String(fastifyError?.message) },
    ]);
  }
  return null;
}

// How long a client should wait before retrying while the database is away: a restart takes a few seconds.
const DATABASE_RETRY_AFTER_SECONDS = 2;

function send(reply: FastifyReply, error: AppError) {
  if (error.code === 'database_unavailable') void reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
  return reply.status(error.status).send({ error: { code: error.code, message: error.message, details: error.details } });
}

function reply(error: unknown, request: FastifyRequest, reply: FastifyReply) {
  const known = catalogueErrorOf(error, request);
  if (known) return send(reply, known);
  request.log.error({ err: asError(error) }, 'request failed');
  return send(reply, new AppError('internal'));
}

/** For Fastify's `frameworkErrors` option: errors found before routing (bad URLs, over-long parameters). */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, fastifyReply: FastifyReply): void {
  void reply(error, request, fastifyReply);
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request, fastifyReply) => reply(error, request, fastifyReply));
  app.setNotFoundHandler((request, fastifyReply) =>
    send(fastifyReply, new AppError('not_found', { what: `route ${request.method} ${request.url.slice(0, 200)}` })));
}
