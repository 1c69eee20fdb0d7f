import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { digitsOnlyId, refuseUnstorable } from '../http/api-scope.js';
import type { AppDeps } from '../http/deps.js';
import { AppError } from '../services/errors/app-error.js';
import { asError } from '../logger.js';
import { FAVICON_SVG, LIVE_LOGS_SCRIPT } from './assets/live-logs.js';
import { STYLESHEET } from './assets/stylesheet.js';
import { html } from './html.js';
import { page } from './layout.js';
import { TaskLogNotifier } from './log-notifier.js';
import { registerAuditPage } from './pages/audit.js';
import { registerEventPages } from './pages/events.js';
import { registerHomePage } from './pages/home.js';
import { registerHooksPage } from './pages/hooks.js';
import { registerRepositoryPage } from './pages/repository.js';
import { registerRunPage } from './pages/run.js';
import { registerRunnersPage } from './pages/runners.js';
import { registerSignInPages } from './pages/sign-in.js';
import { registerWorkflowPage } from './pages/workflow.js';
import { loadViewer, secureCookies } from './session.js';
import type { Viewer } from './session.js';
import { SignInNeeded } from './web-repository.js';

// The dashboard (docs/dashboard.md): server-rendered pages at `/`, in a scope of their own with HTML errors,
// form bodies and sessions. Pages read through the same adapters and presenters as the API.

export interface WebDeps extends AppDeps {
  logs: TaskLogNotifier;
}

// Scripts and styles from this site only: no inline ones, so injected markup could not run.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
  + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export async function registerDashboard(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const logs = new TaskLogNotifier(deps.sql, deps.log);
  app.addHook('onClose', async () => logs.close());
  const webDeps: WebDeps = { ...deps, logs };
  await app.register(async (web) => {
    // Pages are not the API: they stay out of its OpenAPI document.
    web.addHook('onRoute', (route) => { route.schema = { ...route.schema, hide: true }; });
    registerAssets(web);
    await web.register(async (pages) => {
      pages.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 64 * 1024 }, (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(body as string)));
      });
      pages.addHook('onRequest', async (request, reply) => {
        // A path under /api/ that no API route took stays the API's JSON 404, not a page.
        if (request.url.startsWith('/api/')) return reply.callNotFound();
        void reply.header('content-security-policy', CSP).header('x-content-type-options', 'nosniff')
          .header('referrer-policy', 'same-origin').header('cache-control', 'no-store');
        request.viewer = await loadViewer(deps.sql, request, reply, {
          publicRead: deps.publicRead ?? false, secure: secureCookies(request, deps.serverUrl?.()),
        });
      });
      // As in the API: ids in digits, and no text PostgreSQL cannot store (a NUL) reaches a query.
      pages.addHook('preValidation', async (request) => {
        await digitsOnlyId(request);
        refuseUnstorable('path', request.params);
        refuseUnstorable('query', request.query);
        refuseUnstorable('body', request.body);
      });
      pages.setErrorHandler((error, request, reply) => errorPage(error, request, reply, deps));
      registerSignInPages(pages, webDeps);
      registerHomePage(pages, webDeps);
      registerRunnersPage(pages, webDeps);
      registerRepositoryPage(pages, webDeps);
      registerWorkflowPage(pages, webDeps);
      registerRunPage(pages, webDeps);
      registerEventPages(pages, webDeps);
      registerAuditPage(pages, webDeps);
      registerHooksPage(pages, webDeps);
    });
  });
}

function registerAssets(web: FastifyInstance): void {
  const asset = (path: string, type: string, body: string) => web.get(path, async (_request, reply) =>
    reply.type(type).header('cache-control', 'public, max-age=300').header('x-content-type-options', 'nosniff').send(body));
  asset('/assets/dashboard.css', 'text/css; charset=utf-8', STYLESHEET);
  asset('/assets/dashboard.js', 'text/javascript; charset=utf-8', LIVE_LOGS_SCRIPT);
  asset('/assets/favicon.svg', 'image/svg+xml', FAVICON_SVG);
}

/** The page for an error: its catalogue status and message; a page needing a session sends to the sign-in page. */
function errorPage(error: unknown, request: FastifyRequest, reply: FastifyReply, deps: AppDeps) {
  if (error instanceof SignInNeeded) {
    // After signing in, back to the page; a form's target is no page, so a refused form goes home.
    return reply.redirect(`/sign-in?next=${encodeURIComponent(request.method === 'GET' ? request.url : '/')}`, 303);
  }
  const known = error instanceof AppError ? error : null;
  const validation = (error as Partial<FastifyError>).validation ? (error as FastifyError) : null;
  const frameworkStatus = (error as Partial<FastifyError>).statusCode;
  let status = 500;
  let message = 'Something went wrong on our side; it has been logged.';
  if (known) {
    status = known.status;
    message = known.message;
  } else if (validation) {
    status = 400;
    message = `This address is not valid: ${validation.message}`;
  } else if (frameworkStatus !== undefined && frameworkStatus >= 400 && frameworkStatus < 500) {
    status = frameworkStatus;
    message = (error as Error).message;
  } else {
    deps.log.error({ err: asError(error), url: request.url }, 'page failed');
  }
  const viewer: Viewer = request.viewer ?? { token: null, csrf: '', publicRead: false };
  const title = status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : status >= 500 ? 'Error' : 'Cannot do that';
  return reply.status(status).type('text/html; charset=utf-8').send(page({ title, viewer }, html`
    <p class="error" role="alert">${message}</p>
    <p><a href="/">Back to the repositories</a></p>`).text);
}
