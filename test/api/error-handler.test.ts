// The one error handler and the strict validator, on a bare Fastify app: what a reply says, and what is logged.
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { installErrorHandler } from '../../server/http/errors.js';
import { useStrictValidation } from '../../server/http/validation.js';
import { AppError } from '../../server/services/errors/app-error.js';

async function appWithLog() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({ write(chunk, _encoding, done) { lines.push(JSON.parse(String(chunk))); done(); } });
  const app = Fastify({ loggerInstance: pino({ level: 'warn' }, sink) as FastifyBaseLogger });
  installErrorHandler(app);
  useStrictValidation(app);
  return { app, lines };
}

describe('the error handler', () => {
  it('answers an unexpected error with 500 internal, and logs it as an Error with its stack and code', async () => {
    const { app, lines } = await appWithLog();
    app.get('/boom', async () => {
      throw Object.assign(new Error('cannot write to /srv/secret: no space left, password=hunter2'), { code: 'ENOSPC' });
    });
    const reply = await app.inject({ method: 'GET', url: '/boom' });
    expect([reply.statusCode, reply.json()]).toEqual([500, { error: { code: 'internal', message: 'internal error', details: null } }]);
    expect(reply.body).not.toContain('hunter2');
    const logged = lines.find((l) => l.msg === 'request failed')?.err as Record<string, unknown> | undefined;
    expect(logged).toMatchObject({ type: 'Error', code: 'ENOSPC', message: expect.stringContaining('no space') });
    expect(String(logged?.stack)).toContain('error-handler.test.ts');
  });

  it('logs a thrown non-Error as an Error too', async () => {
    const { app, lines } = await appWithLog();
    app.get('/string', async () => {
      throw 'plain text';
    });
    expect((await app.inject({ method: 'GET', url: '/string' })).statusCode).toBe(500);
    expect(lines.find((l) => l.msg === 'request failed')?.err).toMatchObject({ type: 'Error', message: 'plain text' });
  });

  it('answers a catalogue error with its status, code, message and details, and logs nothing', async () => {
    const { app, lines } = await appWithLog();
    app.get('/gone', async () => {
      throw new AppError('run_finished', { run: 7, status: 'success' }, { status: 'success' });
    });
    const reply = await app.inject({ method: 'GET', url: '/gone' });
    expect([reply.statusCode, reply.json()]).toEqual([409, {
      error: { code: 'run_finished', message: 'run 7 has already finished (success)', details: { status: 'success' } },
    }]);
    expect(lines).toEqual([]);
  });
});

describe('schema validation', () => {
  const body = {
    type: 'object', required: ['name'], additionalProperties: false,
    properties: { name: { type: 'string' }, env: { type: 'string', enum: ['dev', 'prod'] }, at: { type: 'string', format: 'date-time' } },
  } as const;

  it.each([
    [{}, { part: 'body', field: 'name', code: 'required', message: 'body/name is required' }],
    [{ name: 'x', extra: 1 }, { part: 'body', field: 'extra', code: 'unknown_field', message: 'body/extra is not a field of this request' }],
    [{ name: 'x', env: 'qa' }, { part: 'body', field: 'env', code: 'enum', message: 'body/env must be one of "dev", "prod"', allowed: ['dev', 'prod'] }],
    [{ name: 5 }, { part: 'body', field: 'name', code: 'type', message: 'body/name must be string' }],
    [{ name: 'x', at: 'yesterday' }, { part: 'body', field: 'at', code: 'format', message: 'body/at must match format "date-time"' }],
  ])('names the field of %j in details.problems', async (sent, problem) => {
    const { app } = await appWithLog();
    app.post('/things', { schema: { body } }, async () => ({ ok: true }));
    const reply = await app.inject({ method: 'POST', url: '/things', payload: sent });
    expect([reply.statusCode, reply.json()]).toEqual([400, { error: { code: 'invalid_request', message: problem.message, details: { problems: [problem] } } }]);
  });

  it('converts query strings to their types, and names the query part', async () => {
    const { app } = await appWithLog();
    const querystring = { type: 'object', properties: { n: { type: 'integer', maximum: 3 } } } as const;
    app.get('/q', { schema: { querystring } }, async (request) => request.query);
    expect((await app.inject({ method: 'GET', url: '/q?n=2' })).json()).toEqual({ n: 2 });
    expect((await app.inject({ method: 'GET', url: '/q?n=9' })).json().error.details.problems).toEqual([
      { part: 'query', field: 'n', code: 'maximum', message: 'query/n must be <= 3' },
    ]);
  });

  it('refuses a schema with an unknown keyword (strict mode) when the app starts', async () => {
    const { app } = await appWithLog();
    app.post('/typo', { schema: { body: { type: 'object', properties: { a: { type: 'string', minLenght: 1 } } } } }, async () => ({}));
    await expect(app.ready()).rejects.toThrow(/strict mode: unknown keyword: "minLenght"/);
  });
});
