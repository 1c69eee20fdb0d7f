// API tokens on every route of the user API: none, unknown, revoked, another repository's, read-only, admin;
// and PLUE_PUBLIC_READ=1.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeApiToken } from '../../server/adapters/db/tokens.js';
import { createApiToken } from '../../server/services/api/tokens.js';
import type { Service } from '../../server/services/service.js';
import { createBareRepo, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { call, createApiRepo, expectError, startApiService, tokenFor } from './support.js';

const db = useTestDatabase();
let service: Service;
let publicService: Service;
const tokens: Record<string, string> = {};
let runId = 0;
let eventId = 0;

interface Route { method: 'GET' | 'POST'; url: () => string; body?: unknown; write: boolean }
const base = '/api/repos/acme/app';
const ROUTES: Route[] = [
  { method: 'GET', url: () => `${base}/workflows`, write: false },
  { method: 'GET', url: () => `${base}/workflows/deploy.py`, write: false },
  { method: 'GET', url: () => `${base}/runs`, write: false },
  { method: 'GET', url: () => `${base}/runs/${runId}`, write: false },
  { method: 'GET', url: () => `${base}/runs/${runId}/logs`, write: false },
  { method: 'GET', url: () => `${base}/events/${eventId}`, write: false },
  { method: 'POST', url: () => `${base}/workflows/deploy.py/dispatches`, body: { inputs: { replicas: 1 } }, write: true },
  { method: 'POST', url: () => `${base}/events`, body: { event: 'chat' }, write: true },
  { method: 'POST', url: () => `${base}/runs/${runId}/cancel`, write: true },
  { method: 'POST', url: () => `${base}/runs/${runId}/rerun`, write: true },
];
const named = ROUTES.map((r) => [`${r.method} ${r.url().replace(/\/0(\/|$)/, '/:id$1')}`, r] as const);

const send = (s: Service, route: Route, token?: string, headers: Record<string, string> = {}) =>
  call(s, route.method, route.url(), { ...(token === undefined ? {} : { token }), ...(route.body === undefined ? {} : { body: route.body }), headers });

beforeAll(async () => {
  const repo = await createApiRepo();
  await createBareRepo(path.join(repo.reposDir, 'acme', 'other.git'));
  service = await startApiService(db.url, repo);
  publicService = await startApiService(db.url, repo, { PLUE_PUBLIC_READ: '1' });
  tokens.admin = await tokenFor(db.sql, 'admin');
  tokens.adminReadOnly = await tokenFor(db.sql, 'admin', true);
  tokens.repo = await tokenFor(db.sql, 'repo:acme/app');
  tokens.repoReadOnly = await tokenFor(db.sql, 'repo:acme/app', true);
  tokens.otherRepo = await tokenFor(db.sql, 'repo:acme/other');
  const revoked = await createApiToken(db.sql, { scope: 'admin' });
  await revokeApiToken(db.sql, revoked.row.id);
  tokens.revoked = revoked.token;
  runId = (await call(service, 'POST', `${base}/workflows/deploy.py/dispatches`, { token: tokens.admin, body: { inputs: { replicas: 1 } } })).body.run_id;
  eventId = (await call(service, 'POST', `${base}/events`, { token: tokens.admin, body: { event: 'chat' } })).body.event_id;
});
afterAll(async () => {
  await publicService?.close();
  await service?.close();
  await removeTempDirs();
});

describe.each(named)('%s', (_name, route) => {
  it('refuses a request without a token, an unknown token and a revoked one with 401', async () => {
    expectError(await send(service, route), 401, 'unauthorized');
    expectError(await send(service, route, 'pla_not-a-token'), 401, 'unauthorized');
    expectError(await send(service, route, tokens.revoked), 401, 'unauthorized');
    expectError(await send(service, route, undefined, { authorization: `Basic ${tokens.admin}` }), 401, 'unauthorized');
  });

  it("refuses another repository's token with 403", async () => {
    const reply = await send(service, route, tokens.otherRepo);
    expectError(reply, 403, 'forbidden');
    expect(reply.body.error.message).toBe('the token is scoped to acme/other, not acme/app');
  });

  it(route.write ? 'refuses read-only tokens with 403' : 'lets read-only tokens read', async () => {
    for (const token of [tokens.repoReadOnly!, tokens.adminReadOnly!]) {
      const reply = await send(service, route, token);
      if (route.write) {
        expectError(reply, 403, 'forbidden');
        expect(reply.body.error.message).toBe('the token is read-only');
      } else expect(reply.status).toBe(200);
    }
  });

  it("lets the repository's token and an admin token through", async () => {
    for (const token of [tokens.repo!, tokens.admin!]) {
      const reply = await send(service, route, token);
      expect([401, 403]).not.toContain(reply.status);
      expect(reply.status).toBeLessThan(500);
    }
  });

  it(route.write ? 'with PLUE_PUBLIC_READ=1 still needs a token' : 'with PLUE_PUBLIC_READ=1 needs no token', async () => {
    const reply = await send(publicService, route);
    if (route.write) expectError(reply, 401, 'unauthorized');
    else expect(reply.status).toBe(200);
    if (!route.write) expectError(await send(publicService, route, 'pla_wrong'), 401, 'unauthorized');
  });
});

describe('scope before existence', () => {
  it("answers 403 for another repository's token whether or not the repository exists, 404 for an admin", async () => {
    expectError(await call(service, 'GET', '/api/repos/acme/nope/runs', { token: tokens.otherRepo }), 403, 'forbidden');
    expectError(await call(service, 'GET', '/api/repos/acme/nope/runs', { token: tokens.admin }), 404, 'not_found');
  });

  it('runner and hook routes keep their own tokens: an API token opens none of them', async () => {
    expectError(await call(service, 'POST', '/api/runners/tasks/claim', { token: tokens.admin, body: {} }), 401, 'unauthorized');
    const statuses = { statuses: [{ id: 1, token: 'x', status: 'success' }] };
    expectError(await call(service, 'POST', '/api/runners/tasks/statuses', { token: tokens.admin, body: statuses }), 401, 'unauthorized');
    expectError(await call(service, 'POST', '/api/runners/register', { token: tokens.admin, body: { name: 'x' } }), 401, 'unauthorized');
    expectError(await call(service, 'POST', '/api/hooks/post-receive', { token: tokens.admin, body: { repository_path: '/x', updates: [] } }), 401, 'unauthorized');
  });

  it('records when a token was last used', async () => {
    const [row] = await db.sql<{ last_used_at: Date | null }[]>`select last_used_at from api_tokens where scope = 'repo:acme/app' and not read_only`;
    expect(row!.last_used_at).toBeInstanceOf(Date);
  });

  it('serves the OpenAPI document and the health check without a token', async () => {
    expect((await call(service, 'GET', '/api/openapi.json')).status).toBe(200);
    expect((await call(service, 'GET', '/healthz')).status).toBe(200);
  });
});
