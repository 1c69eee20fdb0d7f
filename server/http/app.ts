import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Sql } from '../adapters/db/connect.js';
import type { RepositoryRegistry } from '../services/ingest/registry.js';
import type { RunnerServices } from '../services/runners/runner-services.js';
import type { WorkflowSource } from '../services/trigger/workflow-source.js';
import { refuseUnstorableText, requireApiTokens, useStrictValidation } from './api-scope.js';
import { frameworkErrorHandler, installErrorHandler } from './errors.js';
import { registerOpenApi } from './openapi.js';
import { registerEventRoutes } from './routes/events.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerHookRoutes } from './routes/hooks.js';
import { registerRunRoutes } from './routes/runs.js';
import { registerRunnerRoutes } from './routes/runners.js';
import { registerWorkflowRoutes } from './routes/workflows.js';

export interface AppDeps {
  sql: Sql;
  log: Logger;
  registry: RepositoryRegistry;
  hookToken: string;
  /** Reads workflows at a commit (manual dispatch). */
  source: WorkflowSource;
  /** Reads of the user API need no token (PLUE_PUBLIC_READ=1). */
  publicRead?: boolean;
  /** An event was recorded through the API: trigger the repository's pending events now. */
  onEventRecorded?(repositoryId: number): void;
  /** The runner protocol; absent, its routes are not served. */
  runners?: RunnerServices;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    // Requests are not logged one by one; errors are.
    loggerInstance: deps.log.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    forceCloseConnections: true,
    routerOptions: { maxParamLength: 1000 },
    frameworkErrors: frameworkErrorHandler,
  });
  installErrorHandler(app);
  await registerOpenApi(app);
  registerHealthRoutes(app, deps);
  registerHookRoutes(app, deps);
  if (deps.runners) registerRunnerRoutes(app, deps.runners);
  // The user API (docs/api.md), in its own scope: strict validation, storable text, API tokens.
  await app.register(async (api) => {
    useStrictValidation(api);
    refuseUnstorableText(api);
    requireApiTokens(api, { sql: deps.sql, publicRead: deps.publicRead ?? false });
    registerWorkflowRoutes(api, deps);
    registerRunRoutes(api, deps);
    registerEventRoutes(api, deps);
  });
  await app.ready();
  return app;
}
