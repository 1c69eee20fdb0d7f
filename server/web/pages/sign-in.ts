import type { FastifyInstance } from 'fastify';
import { html } from '../html.js';
import { csrfField, page } from '../layout.js';
import { checkCsrf, secureCookies, signIn, signOut } from '../session.js';
import type { WebDeps } from '../register.js';
import { sendPage, viewerOf } from '../web-repository.js';

// Signing in with an API token (posted in a form, never in a URL), and out.

const nextQuery = {
  type: 'object', additionalProperties: false,
  properties: { next: { type: 'string', maxLength: 2000 } },
} as const;
const signInBody = {
  type: 'object', additionalProperties: false, required: ['token'],
  properties: { token: { type: 'string', maxLength: 1000 }, csrf: { type: 'string', maxLength: 200 }, next: { type: 'string', maxLength: 2000 } },
} as const;
const signOutBody = {
  type: 'object', additionalProperties: false, properties: { csrf: { type: 'string', maxLength: 200 } },
} as const;

/** Only a path of this site: `//host` or `/\\host` would send elsewhere. */
function localPath(next: string | undefined): string {
  return next !== undefined && /^\/(?![/\\])/.test(next) ? next : '/';
}

export function registerSignInPages(app: FastifyInstance, deps: WebDeps): void {
  const form = (viewer: ReturnType<typeof viewerOf>, next: string, problem?: string) => page({ title: 'Sign in', viewer }, html`
    ${problem ? html`<p class="error" role="alert">${problem}</p>` : ''}
    <p>Sign in with an API token (<code>plue-trigger token create</code>, see docs/api.md). The page keeps a session;
      the token itself is not stored in your browser.</p>
    <form method="post" action="/sign-in">
      ${csrfField(viewer)}
      <input type="hidden" name="next" value="${next}">
      <label for="token">API token</label>
      <input id="token" name="token" type="password" autocomplete="off" required>
      <p><button type="submit">Sign in</button></p>
    </form>`);

  app.get<{ Querystring: { next?: string } }>('/sign-in', { schema: { querystring: nextQuery } }, async (request, reply) =>
    sendPage(reply, form(viewerOf(request), localPath(request.query.next))));

  app.post<{ Body: { token: string; csrf: string; next?: string } }>('/sign-in', { schema: { body: signInBody } }, async (request, reply) => {
    const viewer = viewerOf(request);
    checkCsrf(viewer, request.body);
    const secure = secureCookies(request, deps.serverUrl?.());
    const cookie = await signIn(deps.sql, request.body.token.trim(), secure);
    const next = localPath(request.body.next);
    if (cookie === null) return sendPage(reply.status(401), form(viewer, next, 'That token is not a live API token.'));
    return reply.header('set-cookie', cookie).redirect(next, 303);
  });

  app.post<{ Body: { csrf: string } }>('/sign-out', { schema: { body: signOutBody } }, async (request, reply) => {
    checkCsrf(viewerOf(request), request.body);
    return reply.header('set-cookie', await signOut(deps.sql, request, secureCookies(request, deps.serverUrl?.()))).redirect('/', 303);
  });
}
