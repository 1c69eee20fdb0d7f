import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Sql } from '../adapters/db/connect.js';
import type { RepositoryRegistry } from '../services/ingest/registry.js';
import type { RunnerServices } from '../services/runners/runner-services.js';
import { installErrorHandler } from './errors.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerHookRoutes } from './routes/hooks.js';
import { registerRepositoryRoutes } from './routes/repositories.js';
import { registerRunnerRoutes } from './routes/runners.js';

export interface AppDeps {
  sql: Sql;
  log: Logger;
  registry: RepositoryRegistry;
  hookToken: string;
  /** The runner protocol; absent, its routes are not served. */
  runners?: RunnerServices;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    // Requests are not logged one by one; errors are.
    loggerInstance: deps.log.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    forceCloseConnections: true,
  });
  installErrorHandler(app);
  registerHealthRoutes(app, deps);
  registerRepositoryRoutes(app, deps);
  registerHookRoutes(app, deps);
  if (deps.runners) registerRunnerRoutes(app, deps.runners);
  await app.ready();
  return app;
}
