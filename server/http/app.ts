import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { refuseUnstorableText, requireApiTokens } from './api-scope.js';
import { serverTimeouts } from './connection-limits.js';
import type { AppDeps } from './deps.js';
import { frameworkErrorHandler, installErrorHandler } from './errors.js';
import { registerOpenApi } from './openapi.js';
import { registerAuditRoutes } from './routes/audit.js';
import { registerEventRoutes } from './routes/events.js';
import { registerExternalTaskRoutes } from './routes/external-tasks.js';
import { registerHealthRoutes } from './routes/health.js';
import { registerHookRoutes } from './routes/hooks.js';
import { registerRepositoryRoutes } from './routes/repositories.js';
import { registerRunnerListRoutes } from './routes/runner-list.js';
import { registerRunRoutes } from './routes/runs.js';
import { registerScheduleRoutes } from './routes/schedules.js';
import { registerStatusRoutes } from './routes/statuses.js';
import { registerRunnerRoutes } from './routes/runners.js';
import { registerTaskHandoffRoutes } from './routes/task-handoff.js';
import { registerTaskWaitRoutes } from './routes/task-waits.js';
import { registerWebhookRoutes } from './routes/webhooks.js';
import { registerWorkflowRoutes } from './routes/workflows.js';
import { useStrictValidation } from './validation.js';
import { registerDashboard } from '../web/register.js';

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    // Requests are not logged one by one; errors are.
    loggerInstance: deps.log.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    forceCloseConnections: true,
    routerOptions: { maxParamLength: 1000 },
    frameworkErrors: frameworkErrorHandler,
    ...(deps.httpLimits ? serverTimeouts(deps.httpLimits) : {}),
  });
  installErrorHandler(app);
  useStrictValidation(app);
  await registerOpenApi(app);
  registerHealthRoutes(app, deps);
  await registerHookRoutes(app, deps);
  if (deps.runners) {
    registerRunnerRoutes(app, deps.runners);
    registerTaskHandoffRoutes(app, deps);
    registerExternalTaskRoutes(app, deps.runners);
    registerTaskWaitRoutes(app, deps.runners);
  }
  // The user API (docs/api.md), in its own scope: storable text, API tokens.
  await app.register(async (api) => {
    refuseUnstorableText(api);
    requireApiTokens(api, { sql: deps.sql, publicRead: deps.publicRead ?? false });
    registerRepositoryRoutes(api, deps);
    registerWorkflowRoutes(api, deps);
    registerRunRoutes(api, deps);
    registerStatusRoutes(api, deps);
    registerScheduleRoutes(api, deps);
    registerEventRoutes(api, deps);
    registerAuditRoutes(api, deps);
    registerWebhookRoutes(api, deps);
    if (deps.runners) registerRunnerListRoutes(api, deps, deps.runners.settings.leaseSeconds);
  });
  // The dashboard's pages (docs/dashboard.md), in their own scope: HTML, sessions, forms.
  await registerDashboard(app, deps);
  await app.ready();
  return app;
}
