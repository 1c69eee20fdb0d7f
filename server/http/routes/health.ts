import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';

export function registerHealthRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'sql'>): void {
  app.get('/healthz', async (_request, reply) => {
    try {
      await deps.sql`select 1`;
      return { status: 'ok', database: 'ok' };
    } catch {
      return reply.status(503).header('retry-after', '2').send({ status: 'unavailable', database: 'down' });
    }
  });
}
