// Walks every route of the OpenAPI document and sends it generated bad input: malformed and deeply nested JSON,
// huge strings and bodies, wrong types, unicode and NUL bytes, SQL-looking strings, path tricks. No reply may be a
// 500, and every error must have the one shape. HOSTILE_RUNS=2000 runs more cases per route, with a random seed.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../server/services/service.js';
import { removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { call, createApiRepo, startApiService, tokenFor } from './support.js';
import type { Reply } from './support.js';

type Schema = { type?: string | string[]; properties?: Record<string, Schema>; items?: Schema; enum?: unknown[]; required?: string[] };
interface Operation {
  parameters?: Array<{ in: 'path' | 'query' | 'header'; name: string; schema: Schema }>;
  requestBody?: { content: Record<string, { schema: Schema }> };
}

const HOSTILE = [
  '', ' ', '..', '../../etc/passwd', '..%2F..%2Fetc%2Fpasswd', '/etc/passwd', '.plue/workflows/../../x.py', '\u0000', 'a\u0000b',
  "' or 1=1--", '"; drop table workflow_runs; --', 'Robert\'); DROP TABLE events;--', '%00', '%', '%zz', '\\', '${jndi:ldap://x}',
  '<script>alert(1)</script>', '😀', 'é', '\u202e', '\ud800', '\udfff', 'ﬀ', 'NaN', 'Infinity', '-1', '0', '1.5', '1e309',
  '99999999999999999999', '9007199254740993', 'true', 'null', '[]', '{}', '-', '--help', '--output=/tmp/x', 'main~1', 'HEAD',
  'refs/heads/main', 'main', 'acme', 'app', '1', '2', 'deploy.py', 'ci.py', 'x'.repeat(5000),
];

/** Parameter values that exist, so that requests get past the lookups into the handlers. */
const GOOD_PARAMS: Record<string, string[]> = { owner: ['acme'], repo: ['app'], workflow: ['deploy.py', 'Lint', 'ci.py'], id: ['1', '2'] };

const hostileString = fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }));
const hostileScalar = fc.oneof(hostileString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constantFrom(2 ** 53, -(2 ** 31), 1e308));

/** Values shaped like the schema, with every leaf sometimes of the wrong type or hostile. */
function valueFor(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 3) return fc.jsonValue({ maxDepth: 3 });
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  const valid: fc.Arbitrary<unknown> = (() => {
    if (schema.enum) return fc.constantFrom(...schema.enum);
    switch (type) {
      case 'object': {
        const entries = Object.entries(schema.properties ?? {}).map(([k, s]) => [k, valueFor(s, depth + 1)] as const);
        return fc.record(Object.fromEntries(entries), { requiredKeys: [] }).chain((record) =>
          fc.option(fc.tuple(hostileString, hostileScalar), { freq: 12 }).map((extra) => (extra ? { ...record, [extra[0]]: extra[1] } : record)));
      }
      case 'array': return fc.array(valueFor(schema.items, depth + 1), { maxLength: 4 });
      case 'string': return fc.oneof(hostileString, fc.constantFrom('main', 'feature', 'v1', 'deploy.py', 'opened', 'Lint', 'acme/app'));
      case 'integer': case 'number': return fc.oneof(fc.integer(), fc.constantFrom(0, 1, 2, -1, 2 ** 53, 1.5));
      case 'boolean': return fc.boolean();
      default: return fc.jsonValue({ maxDepth: 3 });
    }
  })();
  return fc.oneof({ arbitrary: valid, weight: 12 }, { arbitrary: hostileScalar, weight: 1 }, { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 });
}

/** Percent-encodes anything, lone surrogates included (as the bytes of an invalid code point). */
function encodeSegment(text: string, raw: boolean): string {
  if (raw) return text.replace(/[?#\s]/g, encodeURIComponent);
  try {
    return encodeURIComponent(text);
  } catch {
    return [...text].map((ch) => {
      try { return encodeURIComponent(ch); } catch { return '%ED%A0%80'; }
    }).join('');
  }
}

const asText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v) ?? '');
const deepJson = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
interface BodyText { json: string; type?: string }
const bodyText = (schema: Schema | undefined): fc.Arbitrary<BodyText> => fc.oneof(
  { arbitrary: valueFor(schema).map((v): BodyText => ({ json: JSON.stringify(v) ?? 'null' })), weight: 6 },
  { arbitrary: fc.jsonValue().map((v): BodyText => ({ json: JSON.stringify(v) })), weight: 1 },
  { arbitrary: valueFor(schema).map((v): BodyText => ({ json: (JSON.stringify(v) ?? 'null').slice(0, -1) })), weight: 1 }, // cut short
  {
    arbitrary: fc.integer({ min: 30, max: 100_000 })
      .map((d): BodyText => ({ json: `{"event":"chat","payload":{"a":${deepJson(d)}},"inputs":${deepJson(d)}}` })),
    weight: 1,
  },
  {
    arbitrary: fc.constantFrom('{"a":"\\u0000"}', '{"event":"chat","payload":{"x":"\\ud800"}}', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"x":1}}}')
      .map((json): BodyText => ({ json })),
    weight: 1,
  },
  {
    arbitrary: fc.constantFrom('text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1')
      .chain((type) => hostileString.map((text): BodyText => ({ json: text, type }))),
    weight: 1,
  },
);

const db = useTestDatabase();
let service: Service;
let token: string;
let document: { paths: Record<string, Record<string, Operation>> };

beforeAll(async () => {
  service = await startApiService(db.url, await createApiRepo());
  token = await tokenFor(db.sql, 'admin');
  await call(service, 'POST', '/api/repos/acme/app/workflows/Lint/dispatches', { token }); // run 1, event 1: ids that exist
  document = (await call(service, 'GET', '/api/openapi.json')).body;
});
afterAll(async () => {
  await service?.close();
  await removeTempDirs();
});

function checkReply(reply: Reply, what: string): void {
  const context = `${what} → ${reply.status} ${JSON.stringify(reply.body).slice(0, 300)}`;
  expect(reply.status, context).toBeLessThan(500);
  if (reply.status >= 400) {
    const error = reply.body?.error;
    expect(typeof error?.code === 'string' && typeof error?.message === 'string' && 'details' in error, context).toBe(true);
    expect(Object.keys(reply.body), context).toEqual(['error']);
  }
}

describe('hostile input on every route of the OpenAPI document', () => {
  it('documents the user API, the runner protocol and the hook', () => {
    const paths = Object.keys(document.paths);
    expect(paths).toEqual(expect.arrayContaining([
      '/api/repos/{owner}/{repo}/workflows', '/api/repos/{owner}/{repo}/workflows/{workflow}',
      '/api/repos/{owner}/{repo}/workflows/{workflow}/dispatches', '/api/repos/{owner}/{repo}/runs',
      '/api/repos/{owner}/{repo}/runs/{id}', '/api/repos/{owner}/{repo}/runs/{id}/logs', '/api/repos/{owner}/{repo}/runs/{id}/cancel',
      '/api/repos/{owner}/{repo}/runs/{id}/rerun', '/api/repos/{owner}/{repo}/events', '/api/repos/{owner}/{repo}/events/{id}',
      '/api/runners/register', '/api/runners/tasks/claim', '/api/hooks/post-receive',
    ]));
  });

  it('never answers 500, and every error has the one shape', async () => {
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase() as 'GET' | 'POST', op })));
    expect(operations.length).toBeGreaterThanOrEqual(19);
    for (const { path, method, op } of operations) {
      const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path');
      const queryParams = (op.parameters ?? []).filter((p) => p.in === 'query');
      const bodySchema = op.requestBody?.content['application/json']?.schema;
      const request = fc.record({
        params: fc.tuple(...pathParams.map((p) => fc.tuple(
          fc.oneof({ arbitrary: fc.constantFrom(...(GOOD_PARAMS[p.name] ?? ['1'])), weight: 3 }, { arbitrary: valueFor(p.schema).map(asText), weight: 1 }),
          fc.boolean()))),
        query: fc.array(fc.tuple(fc.oneof(fc.constantFrom(...queryParams.map((q) => q.name), 'unknown'), hostileString), valueFor(undefined).map(asText)), { maxLength: 3 }),
        body: bodyText(bodySchema),
        auth: fc.constantFrom('admin', 'admin', 'admin', 'none', 'garbage', 'registration', 'hook'),
        idempotencyKey: fc.option(hostileString, { freq: 5 }),
      });
      await fc.assert(fc.asyncProperty(request, async (r) => {
        let url = path;
        pathParams.forEach((p, i) => { url = url.replace(`{${p.name}}`, encodeSegment(r.params[i]![0], r.params[i]![1])); });
        const query = r.query.map(([k, v]) => `${encodeSegment(k, false)}=${encodeSegment(v, false)}`).join('&');
        if (query) url += `?${query}`;
        const headers: Record<string, string> = {};
        if (r.auth === 'admin') headers.authorization = `Bearer ${token}`;
        if (r.auth === 'garbage') headers.authorization = 'Bearer pla_\u00e9garbage';
        if (r.auth === 'registration') headers.authorization = `Bearer ${service.runners.settings.registrationToken}`;
        if (r.auth === 'hook') headers.authorization = `Bearer ${service.hookToken}`;
        if (r.idempotencyKey !== null) headers['idempotency-key'] = r.idempotencyKey.replace(/[^\x20-\x7e]/g, '?');
        const options = method === 'GET' ? { headers } : { raw: r.body.json, headers: { ...headers, 'content-type': r.body.type ?? 'application/json' } };
        checkReply(await call(service, method, url, options), `${method} ${url.slice(0, 200)} ${method === 'GET' ? '' : r.body.json.slice(0, 200)}`);
      }), { numRuns: Number(process.env.HOSTILE_RUNS ?? 40), ...(process.env.HOSTILE_RUNS ? {} : { seed: 20251121 }) });
    }
  }, 60_000);

  it('survives a body over the limit and a URL of megabytes on every route', async () => {
    const huge = `{"event":"chat","payload":{"a":"${'x'.repeat(2 * 1024 * 1024)}"}}`;
    for (const [path, methods] of Object.entries(document.paths)) {
      const url = path.replace(/\{[^}]+\}/g, '1');
      for (const method of Object.keys(methods).map((m) => m.toUpperCase() as 'GET' | 'POST')) {
        checkReply(await call(service, method, `${url}?x=${'y'.repeat(100_000)}`, { token }), `${method} ${url} long query`);
        checkReply(await call(service, method, url.replace(/\/1(\/|$)/, `/${'9'.repeat(3000)}$1`), { token }), `${method} ${url} long segment`);
        if (method === 'POST') checkReply(await call(service, method, url, { token, raw: huge, headers: { 'content-type': 'application/json' } }), `${method} ${url} huge body`);
      }
    }
  });
});
