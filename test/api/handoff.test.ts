// Dispatches with a payload and context files through the user API: the target's trigger, the context files'
// rules (nothing created for a bad one), the limits, idempotent retries and the audit rows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../server/services/service.js';
import { removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { call, createApiRepo, expectError, startApiService, tokenFor } from './support.js';
import type { ApiRepo } from './support.js';

const db = useTestDatabase();
let service: Service;
let repo: ApiRepo;
let token: string;
const url = (workflow: string) => `/api/repos/acme/app/workflows/${encodeURIComponent(workflow)}/dispatches`;
const dispatch = (workflow: string, body: unknown, headers: Record<string, string> = {}) =>
  call(service, 'POST', url(workflow), { token, body, headers });

async function counts(): Promise<{ runs: number; events: number; files: number }> {
  const [row] = await db.sql<{ runs: number; events: number; files: number }[]>`
    select (select count(*)::int from workflow_runs) as runs, (select count(*)::int from events where kind = 'dispatch') as events,
      (select count(*)::int from event_context_files) as files`;
  return row!;
}

async function audit(kind: string): Promise<Array<{ actor: unknown; subject: Record<string, unknown>; detail: Record<string, unknown> }>> {
  return db.sql`select actor, subject, detail from audit_events where kind = ${kind} order by id`;
}

beforeAll(async () => {
  repo = await createApiRepo();
  service = await startApiService(db.url, repo, { PLUE_DISPATCH_MAX_CONTEXT_FILES: '3', PLUE_DISPATCH_MAX_CONTEXT_BYTES: '100' });
  token = await tokenFor(db.sql, 'repo:acme/app');
});
afterAll(async () => {
  await service?.close();
  await removeTempDirs();
});

describe('a dispatch with a payload and context files', () => {
  it('starts the dispatch workflow in one transaction with its event, files and audit row', async () => {
    const reply = await dispatch('Hook', { payload: { release: '1.2', list: [1, 2] }, context: { 'notes.md': '# notes\n', 'ünïcode.txt': 'ok' } });
    expect(reply.status).toBe(201);
    expect(reply.body).toEqual({
      run_id: expect.any(Number), run_number: expect.any(Number), status: 'waiting',
      workflow: { name: 'Hook', path: '.plue/workflows/hook.py', function: 'hook' },
      ref: 'refs/heads/main', sha: repo.shas.main, context_files: ['notes.md', 'ünïcode.txt'],
    });
    const [run] = await db.sql<Array<{ trigger_event: string; event_id: number; event_payload: Record<string, unknown>; depth: number }>>`
      select trigger_event, event_id, event_payload, depth from workflow_runs where id = ${reply.body.run_id}`;
    expect(run).toMatchObject({ trigger_event: 'dispatch', depth: 0 });
    expect(run!.event_payload).toMatchObject({
      payload: { release: '1.2', list: [1, 2] }, context_files: ['notes.md', 'ünïcode.txt'], parent_run_id: null,
      dispatched_by: { token_id: expect.any(Number) },
    });
    const files = await db.sql`select name, content from event_context_files where event_id = ${run!.event_id} order by name`;
    expect(files).toEqual([{ name: 'notes.md', content: '# notes\n' }, { name: 'ünïcode.txt', content: 'ok' }]);
    const accepted = await audit('dispatch.accepted');
    expect(accepted.at(-1)).toMatchObject({ actor: { token_id: expect.any(Number) }, subject: { run_id: reply.body.run_id, event_id: run!.event_id } });
    const detail = await call(service, 'GET', `/api/repos/acme/app/runs/${reply.body.run_id}`, { token });
    expect(detail.body).toMatchObject({ event: 'dispatch', parent_run_id: null, depth: 0, children: [] });
  });

  it.each([
    ['empty', '', 'empty'],
    ['a slash', 'a/b.md', 'separator'],
    ['a leading slash', '/etc/passwd', 'separator'],
    ['a backslash', 'a\\b.md', 'separator'],
    ['dot', '.', 'dot'],
    ['dot dot', '..', 'dot'],
    ['a climb', '../x', 'separator'],
    ['NUL', 'a\u0000b', 'control'],
    ['a newline', 'a\nb', 'control'],
    ['a tab', 'a\tb', 'control'],
    ['DEL', 'a\u007fb', 'control'],
    ['a C1 control', 'a\u0085b', 'control'],
    ['a lone surrogate', 'a\ud800b', 'control'],
    ['a leading space', ' notes.md', 'spaces'],
    ['a trailing space', 'notes.md ', 'spaces'],
    ['256 bytes', 'é'.repeat(128), 'name_too_long'],
  ])('refuses a context file name with %s (422 invalid_context_file, nothing created, audited)', async (_what, name, code) => {
    const before = await counts();
    const refusedBefore = (await audit('dispatch.refused')).length;
    const reply = await dispatch('Hook', { payload: 1, context: { 'fine.md': 'x', [name]: 'text' } });
    expectError(reply, 422, 'invalid_context_file');
    expect(reply.body.error.details.problems).toEqual([expect.objectContaining({ part: 'body', field: `context.${name}`, code })]);
    expect(reply.body.error.message).toContain(JSON.stringify(name));
    expect(await counts()).toEqual(before);
    const refused = await audit('dispatch.refused');
    expect(refused).toHaveLength(refusedBefore + 1);
    expect(refused.at(-1)!.detail).toMatchObject({ code: 'invalid_context_file' });
  });

  it('takes a 255-byte name, and names that only look odd', async () => {
    const reply = await dispatch('Hook', { context: { ['é'.repeat(127) + 'x']: '', '...': 'dots', 'a b': 'space inside' } });
    expect(reply.status).toBe(201);
  });

  it('refuses too many files, too many bytes, text with a NUL and a non-string content', async () => {
    const before = await counts();
    const many = await dispatch('Hook', { context: { a: '1', b: '2', c: '3', d: '4' } });
    expectError(many, 422, 'invalid_context_file');
    expect(many.body.error.message).toBe('4 context files; the limit is 3 (PLUE_DISPATCH_MAX_CONTEXT_FILES)');
    const large = await dispatch('Hook', { context: { a: 'x'.repeat(60), b: 'é'.repeat(21) } });
    expectError(large, 422, 'invalid_context_file');
    expect(large.body.error.message).toBe('the context files hold 102 bytes in all; the limit is 100 (PLUE_DISPATCH_MAX_CONTEXT_BYTES)');
    expectError(await dispatch('Hook', { context: { a: 'x\u0000y' } }), 422, 'invalid_context_file');
    expectError(await dispatch('Hook', { context: { a: 5 } }), 400, 'invalid_request');
    expect(await counts()).toEqual(before);
  });

  it('refuses a payload over 64 KiB, naming the limit', async () => {
    const reply = await dispatch('Hook', { payload: 'x'.repeat(64 * 1024) });
    expectError(reply, 400, 'invalid_request');
    expect(reply.body.error.message).toBe('body/payload is 65538 bytes as JSON; the limit is 65536');
  });

  it('refuses a workflow without a dispatch trigger, naming its triggers', async () => {
    const before = await counts();
    const reply = await dispatch('CI', { payload: {} });
    expectError(reply, 422, 'not_dispatchable');
    expect(reply.body.error.message).toBe('workflow `CI` is not started by dispatch (its triggers: push, pull_request); it needs a `dispatch()` trigger');
    expect(reply.body.error.details).toEqual({ triggers: ['push', 'pull_request'] });
    expect(await counts()).toEqual(before);
    expect((await audit('dispatch.refused')).at(-1)).toMatchObject({ subject: { workflow: 'CI' }, detail: { code: 'not_dispatchable' } });
  });

  it('keeps `inputs` for manual runs, and says how to dispatch a workflow that has only a dispatch trigger', async () => {
    expectError(await dispatch('Hook', { inputs: {}, payload: 1 }), 400, 'invalid_request');
    const manual = await dispatch('Hook', {});
    expectError(manual, 422, 'not_manually_triggerable');
    expect(manual.body.error.message).toContain('send a `payload` or `context`');
    expect((await dispatch('Lint', {})).status).toBe(201);
  });

  it('answers a retry with the same Idempotency-Key with the first reply and starts nothing; another body is refused', async () => {
    const body = { payload: { n: 1 }, context: { 'a.txt': 'a' } };
    const first = await dispatch('Hook', body, { 'idempotency-key': 'retry-1' });
    expect(first.status).toBe(201);
    const before = await counts();
    const again = await dispatch('Hook', body, { 'idempotency-key': 'retry-1' });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await counts()).toEqual(before);
    const other = await dispatch('Hook', { ...body, payload: { n: 2 } }, { 'idempotency-key': 'retry-1' });
    expectError(other, 422, 'idempotency_key_reused');
    expect(await counts()).toEqual(before);
  });

  it('refuses a body over its limit, and a write token is needed', async () => {
    expectError(await call(service, 'POST', url('Hook'), { body: { payload: 1 } }), 401, 'unauthorized');
    const readOnly = await tokenFor(db.sql, 'repo:acme/app', true);
    expectError(await call(service, 'POST', url('Hook'), { token: readOnly, body: { payload: 1 } }), 403, 'forbidden');
  });
});
