// Fastify's own refusals (body parsing, URLs, routing) and text PostgreSQL cannot store, all in the one error shape.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../server/services/service.js';
import { removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { call, createApiRepo, expectError, startApiService, tokenFor } from './support.js';

const db = useTestDatabase();
let service: Service;
let token: string;
const events = '/api/repos/acme/app/events';
const dispatches = '/api/repos/acme/app/workflows/deploy.py/dispatches';
const json = { 'content-type': 'application/json' };

function nested(depth: number): string {
  return `{"event":"chat","payload":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
}

beforeAll(async () => {
  service = await startApiService(db.url, await createApiRepo());
  token = await tokenFor(db.sql, 'admin');
});
afterAll(async () => {
  await service?.close();
  await removeTempDirs();
});

describe('malformed requests', () => {
  it.each([
    ['JSON that does not parse', 'POST', dispatches, { raw: '{"ref": "main",', headers: json }, 400, 'invalid_json'],
    ['an empty JSON body', 'POST', events, { raw: '', headers: json }, 400, 'invalid_json'],
    ['a __proto__ key', 'POST', events, { raw: '{"event":"chat","payload":{"__proto__":{"x":1}}}', headers: json }, 400, 'invalid_json'],
    ['a body over the limit', 'POST', events, { raw: `{"event":"chat","payload":{"a":"${'x'.repeat(1024 * 1024)}"}}`, headers: json }, 413, 'body_too_large'],
    ['an unsupported media type', 'POST', events, { raw: '<event/>', headers: { 'content-type': 'application/xml' } }, 415, 'unsupported_media_type'],
    ['a text body', 'POST', events, { raw: 'chat', headers: { 'content-type': 'text/plain' } }, 400, 'invalid_request'],
    ['a JSON array', 'POST', events, { body: [{ event: 'chat' }] }, 400, 'invalid_request'],
    ['bad percent-encoding', 'GET', '/api/repos/acme/app/workflows/%E0%A4%A', {}, 400, 'invalid_url'],
    ['a path segment over the limit', 'GET', `/api/repos/acme/app/workflows/${'x'.repeat(2000)}`, {}, 414, 'uri_too_long'],
    ['an unknown route', 'GET', '/api/repos/acme/app/nothing', {}, 404, 'not_found'],
    ['a method the route does not have', 'DELETE', '/api/repos/acme/app/runs', {}, 404, 'not_found'],
    ['a NUL in a body string', 'POST', events, { body: { event: 'chat', payload: { text: 'a\u0000b' } } }, 400, 'invalid_request'],
    ['a NUL in a body key', 'POST', events, { body: { event: 'chat', payload: { 'a\u0000': 1 } } }, 400, 'invalid_request'],
    ['a lone surrogate', 'POST', events, { raw: '{"event":"chat","payload":{"text":"\\ud800"}}', headers: json }, 400, 'invalid_request'],
    ['a NUL in the query', 'GET', '/api/repos/acme/app/runs?workflow=a%00b', {}, 400, 'invalid_request'],
    ['a NUL in the path', 'GET', '/api/repos/ac%00me/app/runs', {}, 400, 'invalid_request'],
    ['nesting 40 deep', 'POST', events, { raw: nested(40), headers: json }, 400, 'invalid_request'],
    ['nesting 150,000 deep', 'POST', events, { raw: nested(150_000), headers: json }, 400, 'invalid_request'],
  ] as const)('%s → %i %s', async (_what, method, url, options, status, code) => {
    expectError(await call(service, method, url, { token, ...options }), status, code);
  });

  it('names where the unstorable text is', async () => {
    const reply = await call(service, 'POST', events, { token, body: { event: 'chat', payload: { messages: ['ok', 'x\u0000'] } } });
    expect(reply.body.error.message).toBe('body/payload/messages/1 contains a NUL character, which cannot be stored');
  });

  it('keeps ordinary unicode, SQL-looking text and large strings within the limit', async () => {
    const payload = { text: "héllo 😀 ' or 1=1; drop table events; --", big: 'x'.repeat(500_000), deep: JSON.parse(`${'{"a":'.repeat(20)}1${'}'.repeat(20)}`) };
    const reply = await call(service, 'POST', events, { token, body: { event: 'chat', payload } });
    expect(reply.status).toBe(202);
    const [row] = await db.sql<{ payload: { text: string } }[]>`select payload from events where id = ${reply.body.event_id}`;
    expect(row!.payload.text).toBe(payload.text);
  });

  it.each([
    [{ name: 'a\u0000b' }], [{ name: 'x', labels: ['\ud800'] }], [{ name: 'x', version: '\u0000' }],
  ])('refuses a runner registration with unstorable text %j', async (body) => {
    const registration = service.runners.settings.registrationToken;
    expectError(await call(service, 'POST', '/api/runners/register', { token: registration, body }), 400, 'invalid_request');
  });

  it('answers the runner and hook routes in the same shape', async () => {
    expectError(await call(service, 'POST', '/api/runners/tasks/claim', { raw: '{', headers: json }), 400, 'invalid_json');
    expectError(await call(service, 'POST', '/api/runners/register', { raw: '<x/>', headers: { 'content-type': 'application/xml' } }), 415, 'unsupported_media_type');
  });

  it.each([
    ["a quote in the owner", "/api/repos/ac'me/app/runs"],
    ['SQL in the repository', '/api/repos/acme/app%3B%20drop%20table%20events/runs'],
    ['dots', '/api/repos/../app/runs'],
  ])('answers 404 for %s', async (_what, url) => {
    expectError(await call(service, 'GET', url, { token }), 404, 'not_found');
  });
});
