// One catalogue of error codes; one handler turns errors into `{"error": {code, message, details}}`.
import type { FastifyError, FastifyInstance } from 'fastify';

export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details: unknown = null) {
    super(message);
  }
}

export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} not found`);
export const unauthorized = () => new HttpError(401, 'unauthorized', 'missing or invalid bearer token');

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
    if (error instanceof HttpError) {
      return reply.status(error.status).send({ error: { code: error.code, message: error.message, details: error.details } });
    }
    if (error.validation) {
      return reply.status(400).send({ error: { code: 'invalid_request', message: error.message, details: error.validation } });
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.status(status).send({ error: { code: error.code?.toLowerCase() ?? 'bad_request', message: error.message, details: null } });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.status(500).send({ error: { code: 'internal', message: 'internal error', details: null } });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send({ error: { code: 'not_found', message: `no route ${request.method} ${request.url}`, details: null } });
  });
}
