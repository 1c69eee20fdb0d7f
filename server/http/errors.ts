// One catalogue of error codes; one handler turns errors into `{"error": {code, message, details}}`.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiProblem } from '../services/api/problems.js';
import type { ProblemKind } from '../services/api/problems.js';

export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details: unknown = null) {
    super(message);
  }
}

export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} not found`);
export const unauthorized = () => new HttpError(401, 'unauthorized', 'missing or invalid bearer token');
export const forbidden = (message: string) => new HttpError(403, 'forbidden', message);

const PROBLEM_STATUS: Record<ProblemKind, number> = { not_found: 404, conflict: 409, unprocessable: 422, forbidden: 403 };

/** Fastify's own refusals (body parsing, URLs), in this API's words. */
const FRAMEWORK_ERRORS: Record<string, { status: number; code: string; message?: (request: FastifyRequest) => string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'invalid_json', message: () => 'the body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'invalid_json', message: () => 'the body is empty but Content-Type says application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'invalid_request', message: () => 'Content-Length does not match the body' },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413, code: 'body_too_large',
    message: (request) => `the body is larger than the limit of ${request.routeOptions.bodyLimit ?? 1024 * 1024} bytes`,
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415, code: 'unsupported_media_type',
    message: (request) => `unsupported Content-Type \`${String(request.headers['content-type'] ?? '')}\`; send JSON with Content-Type: application/json`,
  },
  FST_ERR_BAD_URL: { status: 400, code: 'invalid_url', message: () => 'the URL is not valid (bad percent-encoding?)' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 414, code: 'uri_too_long', message: () => 'a path segment of the URL is too long' },
};

function send(reply: FastifyReply, status: number, code: string, message: string, details: unknown = null) {
  return reply.status(status).send({ error: { code, message, details } });
}

/** For Fastify's `frameworkErrors` option: errors found before routing (bad URLs, over-long parameters). */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const known = FRAMEWORK_ERRORS[error.code];
  if (known) void send(reply, known.status, known.code, known.message?.(request) ?? error.message);
  else void send(reply, 400, 'invalid_request', error.message);
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HttpError | ApiProblem, request, reply) => {
    if (error instanceof HttpError) return send(reply, error.status, error.code, error.message, error.details);
    if (error instanceof ApiProblem) return send(reply, PROBLEM_STATUS[error.kind], error.code, error.message, error.details);
    if (error.validation) return send(reply, 400, 'invalid_request', error.message, error.validation);
    const known = FRAMEWORK_ERRORS[error.code];
    if (known) return send(reply, known.status, known.code, known.message?.(request) ?? error.message);
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) return send(reply, status, error.code?.toLowerCase() ?? 'bad_request', error.message);
    request.log.error({ err: error }, 'request failed');
    return send(reply, 500, 'internal', 'internal error');
  });
  app.setNotFoundHandler((request, reply) => send(reply, 404, 'not_found', `no route ${request.method} ${request.url.slice(0, 200)}`));
}
