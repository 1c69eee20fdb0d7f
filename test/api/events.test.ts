// POST /api/repos/:owner/:repo/events: the host's pull_request, issue, chat and dispatch events, matched with
// their filters and triggered through the event record like pushes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../server/services/service.js';
import { commitFiles, git, push, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { waitFor } from '../support/service.js';
import { CI, call, createApiRepo, expectError, startApiService, tokenFor } from './support.js';
import type { ApiRepo, Reply } from './support.js';

const db = useTestDatabase();
let service: Service;
let repo: ApiRepo;
let token: string;
let headWorkflowSha: string;
const url = '/api/repos/acme/app/events';

const send = (body: unknown, options: { wait?: boolean; headers?: Record<string, string> } = {}) =>
  call(service, 'POST', `${url}${options.wait === false ? '' : '?wait=true'}`, { token, body, headers: options.headers ?? {} });
const started = (reply: Reply) => reply.body.runs.map((r: { workflow: { name: string } }) => r.workflow.name).sort();
const skippedReason = (reply: Reply, name: string) => reply.body.skipped.find((s: { name: string }) => s.name === name)?.reason;

beforeAll(async () => {
  repo = await createApiRepo();
  await git(['checkout', '-q', '-b', 'pr-workflow', 'feature'], repo.work);
  headWorkflowSha = await commitFiles(repo.work, { '.plue/workflows/ci.py': CI.replace('name="CI"', 'name="CI from the head"') }, 'rename CI');
  await push(repo.work, 'pr-workflow');
  await git(['checkout', '-q', 'main'], repo.work);
  service = await startApiService(db.url, repo);
  token = await tokenFor(db.sql, 'repo:acme/app');
});
afterAll(async () => {
  await service?.close();
  await removeTempDirs();
});

const pr = (action: string, head: keyof ApiRepo['shas'] | 'prWorkflow', base = 'main') => {
  const heads = { main: 'main', feature: 'feature', docsOnly: 'docs-only', prWorkflow: 'pr-workflow' } as const;
  return {
    event: 'pull_request', action, base_ref: base, head_ref: heads[head], base_sha: repo.shas.main,
    head_sha: head === 'prWorkflow' ? headWorkflowSha : repo.shas[head], payload: { number: 7, title: 'A change' },
  };
};

describe('pull_request', () => {
  it('opened against main, changing src/: CI runs at the head commit, with the changed files', async () => {
    const reply = await send(pr('opened', 'feature'));
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ event: 'pull_request', status: 'processed', duplicate: false, error: null });
    expect(started(reply)).toEqual(['CI']);
    const [run] = await db.sql<Array<{ ref: string; commit_sha: string; trigger_event: string; event_payload: Record<string, unknown> }>>`
      select ref, commit_sha, trigger_event, event_payload from workflow_runs where id = ${reply.body.runs[0].run_id}`;
    expect(run).toMatchObject({ ref: 'refs/heads/feature', commit_sha: repo.shas.feature, trigger_event: 'pull_request' });
    expect(run!.event_payload).toMatchObject({ number: 7, title: 'A change', action: 'opened', base_ref: 'main', changed_files: ['src/app.py'] });
  });

  it.each([
    ['synchronize', 'feature', 'main', null],
    ['reopened', 'feature', 'refs/heads/main', null],
    ['closed', 'feature', 'main', 'pull_request action `closed` not in types [opened, synchronize, reopened]'],
    ['opened', 'docsOnly', 'main', 'no changed file matches paths [src/**]'],
    ['opened', 'feature', 'docs-only', 'base branch `docs-only` not in branches [main]'],
  ] as const)('%s from %s into %s: %s', async (action, head, base, reason) => {
    const reply = await send(pr(action, head, base));
    expect(reply.status).toBe(200);
    if (reason === null) expect(started(reply)).toEqual(['CI']);
    else {
      expect(started(reply)).toEqual([]);
      expect(skippedReason(reply, 'CI')).toBe(reason);
    }
  });

  it("reads the workflows at the pull request's head commit", async () => {
    const reply = await send(pr('opened', 'prWorkflow'));
    expect(started(reply)).toEqual(['CI from the head']);
  });
});

describe('issue, chat and dispatch', () => {
  it.each([
    ['opened', ['Triage']],
    ['labeled', ['Triage']],
    ['closed', []],
    ['commented', []],
  ])('issue %s starts %j', async (action, names) => {
    const reply = await send({ event: 'issue', action, payload: { number: 3 } });
    expect(started(reply)).toEqual(names);
    if (names.length === 0) expect(skippedReason(reply, 'Triage')).toBe(`issue action \`${action}\` not in types [opened, labeled]`);
  });

  it('chat starts the agent workflow at the default branch, which gets the payload', async () => {
    const reply = await send({ event: 'chat', action: 'message', payload: { message: 'please fix the build', user: 'bob' } });
    expect(started(reply)).toEqual(['Agent']);
    const [run] = await db.sql<Array<{ ref: string; commit_sha: string; event_payload: Record<string, unknown> }>>`
      select ref, commit_sha, event_payload from workflow_runs where id = ${reply.body.runs[0].run_id}`;
    expect(run).toEqual({ ref: 'refs/heads/main', commit_sha: repo.shas.main, event_payload: { message: 'please fix the build', user: 'bob', action: 'message' } });
  });

  it.each([
    [{}, ['Hook'], 'refs/heads/main'],
    [{ workflow: 'Hook' }, ['Hook'], 'refs/heads/main'],
    [{ workflow: 'Agent' }, [], null],
    [{ ref: 'v1' }, ['Hook'], 'refs/tags/v1'],
    [{ ref: 'feature', action: 'deploy' }, ['Hook'], 'refs/heads/feature'],
  ])('dispatch %j starts %j', async (fields, names, ref) => {
    const reply = await send({ event: 'dispatch', ...fields, payload: { client: 'ci-bot' } });
    expect(started(reply)).toEqual(names);
    if (ref !== null) {
      const [run] = await db.sql<{ ref: string }[]>`select ref from workflow_runs where id = ${reply.body.runs[0].run_id}`;
      expect(run!.ref).toBe(ref);
    }
  });
});

describe('refusals', () => {
  const sha = 'ab'.repeat(20);
  it.each([
    ['a pull request without its fields', () => ({ event: 'pull_request' }), ['action', 'base_ref', 'base_sha', 'head_ref', 'head_sha']],
    ['an unknown pull request action', () => ({ ...pr('opened', 'feature'), action: 'merged' }), ['action']],
    ['shas that are not commit ids', () => ({ ...pr('opened', 'feature'), base_sha: 'main', head_sha: 'ABC' }), ['base_sha', 'head_sha']],
    ['commits the repository does not have', () => ({ ...pr('opened', 'feature'), head_sha: sha }), ['head_sha']],
    ['a base branch the repository does not have', () => ({ ...pr('opened', 'feature'), base_ref: 'nope' }), ['base_ref']],
    ['a head branch that is not a branch name', () => ({ ...pr('opened', 'feature'), head_ref: '-x..y' }), ['head_ref']],
    ['an issue without an action', () => ({ event: 'issue' }), ['action']],
    ['an unknown issue action', () => ({ event: 'issue', action: 'bogus' }), ['action']],
    ['a field of another kind', () => ({ event: 'issue', action: 'opened', base_sha: sha, ref: 'main' }), ['base_sha', 'ref']],
    ['a chat with a ref', () => ({ event: 'chat', ref: 'feature' }), ['ref']],
    ['an issue payload with a ref', () => ({ event: 'issue', action: 'opened', payload: { ref: 'feature' } }), ['payload.ref']],
    ['a dispatch at an unknown ref', () => ({ event: 'dispatch', ref: 'nope' }), ['ref']],
  ])('refuses %s with 422 naming each field', async (_what, body, fields) => {
    const before = await db.sql`select id from events`;
    const reply = await send(body());
    expectError(reply, 422, 'invalid_event');
    expect(reply.body.error.details.problems.map((p: { field: string }) => p.field).sort()).toEqual(fields);
    expect(await db.sql`select id from events`).toHaveLength(before.length);
  });

  it.each([
    ['a push', { event: 'push' }],
    ['no event', { action: 'opened' }],
    ['a payload that is a list', { event: 'chat', payload: [] }],
    ['an unknown field', { event: 'chat', message: 'hi' }],
    ['an action of the wrong type', { event: 'issue', action: 1 }],
    ['a very long action', { event: 'issue', action: 'x'.repeat(101) }],
  ])('refuses %s with 400', async (_what, body) => {
    expectError(await send(body), 400, 'invalid_request');
  });

  it('answers 404 for an unknown repository', async () => {
    const admin = await tokenFor(db.sql, 'admin');
    expectError(await call(service, 'POST', '/api/repos/acme/nope/events', { token: admin, body: { event: 'chat' } }), 404, 'not_found');
  });
});

describe('deliveries', () => {
  it('answers 202 at once without wait, and GET …/events/:id tells the outcome later', async () => {
    const reply = await send({ event: 'issue', action: 'opened' }, { wait: false });
    expect(reply.status).toBe(202);
    expect(reply.body).toMatchObject({ event_id: expect.any(Number), event: 'issue', duplicate: false });
    const outcome = await waitFor(async () => {
      const got = await call(service, 'GET', `${url}/${reply.body.event_id}`, { token });
      return got.body.status === 'processed' ? got : null;
    }, 'the event to be triggered');
    expect(started(outcome)).toEqual(['Triage']);
    expect(outcome.body.duplicate).toBeUndefined();
    expectError(await call(service, 'GET', `${url}/99999999`, { token }), 404, 'not_found');
  });

  it('a redelivery (same delivery_id) records nothing new and answers the first event', async () => {
    const body = { event: 'issue', action: 'opened', delivery_id: 'gh-1', payload: { number: 1, labels: ['a', 'b'] } };
    const first = await send(body);
    const runs = await db.sql`select id from workflow_runs`;
    const again = await send({ ...body, payload: { labels: ['a', 'b'], number: 1 } });
    expect(again.body).toMatchObject({ event_id: first.body.event_id, duplicate: true, status: 'processed' });
    expect(started(again)).toEqual(['Triage']);
    expect(await db.sql`select id from workflow_runs`).toHaveLength(runs.length);
  });

  it('the Idempotency-Key header works as a delivery id; a different event under a used key is refused', async () => {
    const first = await send({ event: 'chat' }, { headers: { 'idempotency-key': 'chat-1' } });
    const again = await send({ event: 'chat', delivery_id: 'chat-1' });
    expect(again.body).toMatchObject({ event_id: first.body.event_id, duplicate: true });
    expectError(await send({ event: 'chat', payload: { other: true } }, { headers: { 'idempotency-key': 'chat-1' } }), 422, 'idempotency_key_reused');
    expectError(await send({ event: 'chat', delivery_id: 'x' }, { headers: { 'idempotency-key': 'y' } }), 422, 'invalid_event');
  });

  it('concurrent deliveries of one event record it once', async () => {
    const body = { event: 'issue', action: 'labeled', delivery_id: 'burst', payload: { number: 9 } };
    const replies = await Promise.all(Array.from({ length: 6 }, () => send(body, { wait: false })));
    expect(new Set(replies.map((r) => r.body.event_id)).size).toBe(1);
    expect(replies.filter((r) => r.body.duplicate === false)).toHaveLength(1);
  });
});
