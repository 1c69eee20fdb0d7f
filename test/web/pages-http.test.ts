// The dashboard over plain HTTP, without a browser: public reads, sessions and their end, the live log stream's
// resumption, html_url, and bad input on every page (a 4xx page, never a 500).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunnerClient } from '../../server/runner/client.js';
import type { Task } from '../../server/runner/protocol.js';
import { createApiToken, revokeApiTokenAudited } from '../../server/services/api/tokens.js';
import type { Service } from '../../server/services/service.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, push, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { startTestService, waitForPushTriggered } from '../support/service.js';
import { CI } from './fixtures.js';

const REGISTRATION_TOKEN = 'pages-registration';
const db = useTestDatabase();
let open: Service;
let closed: Service;
let runner: RunnerClient;
let task: Task;
let runId: number;

/** The server-sent events of a stream until `count` of them came or it ended (the connection is then dropped). */
async function readEvents(url: string, count: number, headers: Record<string, string> = {}): Promise<Array<{ id?: string; event: string; data: string }>> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const events: Array<{ id?: string; event: string; data: string }> = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body!) {
    buffer += decoder.decode(chunk as Uint8Array, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
      if (fields.event) events.push({ ...(fields.id === undefined ? {} : { id: fields.id }), event: fields.event, data: fields.data ?? '' });
    }
    if (events.length >= count || events.at(-1)?.event === 'end') break;
  }
  controller.abort();
  return events;
}

/** Signs in to `service` with an API token as a browser would (pre-session cookie, CSRF field); the reply and the form's pieces. */
async function signIn(service: Service, token: string, fields: Record<string, string> = {}) {
  const signInPage = await fetch(`${service.url}/sign-in`);
  const presession = signInPage.headers.get('set-cookie')!.split(';')[0]!;
  const csrf = /name="csrf" value="([^"]+)"/.exec(await signInPage.text())![1]!;
  const reply = await fetch(`${service.url}/sign-in`, {
    method: 'POST', redirect: 'manual', body: new URLSearchParams({ token, csrf, ...fields }).toString(),
    headers: { cookie: presession, 'content-type': 'application/x-www-form-urlencoded' },
  });
  const cookie = reply.headers.get('set-cookie');
  return { reply, presession, csrf, session: cookie === null ? null : { cookie: cookie.split(';')[0]! } };
}

beforeAll(async () => {
  const reposDir = await createTempDir('plue-repos-');
  const work = await createWorkRepo(await createBareRepo(path.join(reposDir, 'acme', 'app.git')));
  await commitFiles(work, { 'README.md': 'app' }, 'first');
  await push(work, 'HEAD:refs/heads/main');
  const env = { PLUE_RUNNER_REGISTRATION_TOKEN: REGISTRATION_TOKEN };
  open = await startTestService({ databaseUrl: db.url, reposDir, env: { ...env, PLUE_PUBLIC_READ: '1' } });
  closed = await startTestService({ databaseUrl: db.url, reposDir, env, watch: false });
  const sha = await commitFiles(work, { '.plue/workflows/ci.py': CI }, 'ci');
  await push(work, 'HEAD:refs/heads/main');
  await waitForPushTriggered(db.sql, 'refs/heads/main', sha);
  runner = new RunnerClient(open.url, (await RunnerClient.register(open.url, REGISTRATION_TOKEN, { name: 'r', labels: [] })).token);
  task = (await runner.claim(5))!;
  runId = task.run.id;
  await runner.running(task, new Date());
  await runner.logs(task, 'ci', ['one', 'two', 'three'], 0);
});

afterAll(async () => {
  await open?.close();
  await closed?.close();
  await removeTempDirs();
});

describe('pages over HTTP', () => {
  it('are open to everyone with PLUE_PUBLIC_READ=1, and need a session otherwise', async () => {
    for (const page of ['/', '/acme/app', `/acme/app/runs/${runId}`, '/acme/app/events', '/acme/app/audit', '/runners']) {
      const reply = await fetch(open.url + page, { redirect: 'manual' });
      expect(reply.status, page).toBe(200);
      expect(reply.headers.get('content-security-policy')).toContain("script-src 'self'");
      const shut = await fetch(closed.url + page, { redirect: 'manual' });
      expect(shut.status, page).toBe(303);
      expect(shut.headers.get('location')).toBe(`/sign-in?next=${encodeURIComponent(page)}`);
    }
    // Hooks are a writer's business, as in the API; the run's buttons too.
    expect((await fetch(`${open.url}/acme/app/hooks`, { redirect: 'manual' })).status).toBe(303);
    expect(await (await fetch(`${open.url}/acme/app/runs/${runId}`)).text()).not.toContain('Cancel run');
  });

  it('shows the log stored so far without script, and streams the rest from where the browser is, on any replica', async () => {
    const page = await (await fetch(`${open.url}/acme/app/runs/${runId}`)).text();
    expect(page).toContain('one\ntwo\nthree\n</pre>');
    expect(page).toContain(`data-stream="/acme/app/runs/${runId}/tasks/${task.id}/logs/stream" data-next="3"`);
    const stream = `${open.url}/acme/app/runs/${runId}/tasks/${task.id}/logs/stream`;
    expect((await readEvents(`${stream}?from=1`, 2)).map((e) => [e.id, JSON.parse(e.data).content])).toEqual([['1', 'two'], ['2', 'three']]);
    // A reconnecting EventSource sends the last id it got; that wins over the page's `from`. This one follows the
    // task on the other replica: the runner's lines reach it by NOTIFY.
    const { session } = await signIn(closed, (await createApiToken(db.sql, { scope: 'repo:acme/app', readOnly: true })).token);
    const otherReplica = `${closed.url}/acme/app/runs/${runId}/tasks/${task.id}/logs/stream`;
    const resumed = readEvents(`${otherReplica}?from=0`, 10, { 'last-event-id': '2', ...session! });
    await runner.logs(task, 'ci', ['four'], 3);
    await runner.finish(task, 'success');
    // A `status` event (running) comes before or after the line, or not at all when the stream first looks after
    // the task ended: its first look and the runner race.
    const events = await resumed;
    for (const e of events.filter((e) => e.event === 'status')) expect(JSON.parse(e.data)).toEqual({ status: 'running', run_status: 'running' });
    expect(events.filter((e) => e.event !== 'status').map((e) => [e.event, e.id, JSON.parse(e.data)])).toEqual([
      ['line', '3', { step: 'ci', content: 'four' }], ['end', undefined, { status: 'success', run_status: 'success' }],
    ]);
    expect((await fetch(`${stream}?from=x`)).status).toBe(400);
    expect((await fetch(stream, { headers: { 'last-event-id': '-1' } })).status).toBe(400);
    expect((await fetch(`${open.url}/acme/app/runs/${runId}/tasks/999999/logs/stream`)).status).toBe(404);
  });

  it('gives runs, workflows and events their page as html_url', async () => {
    const { token } = await createApiToken(db.sql, { scope: 'admin' });
    const auth = { authorization: `Bearer ${token}` };
    const run = await (await fetch(`${open.url}/api/repos/acme/app/runs/${runId}`, { headers: auth })).json() as { html_url: string; event_id: number };
    expect(run.html_url).toBe(`${open.url}/acme/app/runs/${runId}`);
    expect((await fetch(run.html_url)).status).toBe(200);
    const { workflows } = await (await fetch(`${open.url}/api/repos/acme/app/workflows`, { headers: auth })).json() as { workflows: Array<{ html_url: string }> };
    expect((await fetch(workflows[0]!.html_url)).status).toBe(200);
    const event = await (await fetch(`${open.url}/api/repos/acme/app/events/${run.event_id}`, { headers: auth })).json() as { html_url: string };
    expect(await (await fetch(event.html_url)).text()).toContain('Started:');
  });

  it('keeps a session until sign-out or until its token is revoked', async () => {
    const { token, row } = await createApiToken(db.sql, { scope: 'repo:acme/app', readOnly: true });
    const { presession, csrf } = await signIn(closed, 'pla_nothing');
    const form = (fields: Record<string, string>) => ({
      method: 'POST', redirect: 'manual' as const, body: new URLSearchParams(fields).toString(),
      headers: { cookie: presession, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect((await fetch(`${closed.url}/sign-in`, form({ token, next: '/acme/app' }))).status).toBe(403);
    expect((await fetch(`${closed.url}/sign-in`, form({ token, csrf, next: '//evil.example/' }))).headers.get('location')).toBe('/');
    const signedIn = await fetch(`${closed.url}/sign-in`, form({ token, csrf, next: '/acme/app' }));
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.get('location')).toBe('/acme/app');
    const cookie = signedIn.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^plue_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+$/);
    const session = { cookie: cookie.split(';')[0]! };
    const page = await fetch(`${closed.url}/acme/app`, { headers: session });
    expect(page.status).toBe(200);
    expect(await page.text()).not.toContain(token);
    // A read-only token reads, and may not cancel.
    expect((await fetch(`${closed.url}/acme/app/runs/${runId}`, { headers: session })).status).toBe(200);
    const [stored] = await db.sql<{ session_hash: string; token_id: number }[]>`select session_hash, token_id from web_sessions order by id desc limit 1`;
    expect(stored!.token_id).toBe(row.id);
    expect(cookie).not.toContain(stored!.session_hash);
    await revokeApiTokenAudited(db.sql, row.id);
    expect((await fetch(`${closed.url}/acme/app`, { headers: session, redirect: 'manual' })).status).toBe(303);
  });

  it('serves every page docs/dashboard.md lists', async () => {
    const { token } = await createApiToken(db.sql, { scope: 'admin' });
    const { session } = await signIn(closed, token);
    const [event] = await db.sql<{ id: number }[]>`select id from events order by id limit 1`;
    const [workflow] = await db.sql<{ id: number }[]>`select id from workflow_definitions order by id limit 1`;
    const doc = readFileSync(new URL('../../docs/dashboard.md', import.meta.url), 'utf8');
    const addresses = [...doc.matchAll(/^\| [a-z ]+ \| (.+?) \|/gm)].flatMap((m) => [...m[1]!.matchAll(/`([^`]+)`/g)].map((a) => a[1]!));
    expect(addresses.length).toBeGreaterThanOrEqual(9);
    for (const address of addresses) {
      const url = address.replace('{owner}', 'acme').replace('{repo}', 'app')
        .replace('runs/{id}', `runs/${runId}`).replace('workflows/{id}', `workflows/${workflow!.id}`).replace('events/{id}', `events/${event!.id}`);
      expect(url, address).not.toContain('{');
      const reply = await fetch(closed.url + url, { headers: session!, redirect: 'manual' });
      expect(reply.status, url).toBe(200);
      expect(reply.headers.get('content-type'), url).toContain('text/html');
    }
  });

  it('answers bad input on pages with a 4xx page, never a 500', async () => {
    const cases: Array<[string, RequestInit?]> = [
      ['/acme/app/runs/0x10'], ['/acme/app/runs/1e3'], ['/acme/app/runs/99999999999999999999'], ['/acme/app/runs/-1'],
      ['/acme/app/workflows/abc'], ['/acme/app/events/1.5'], ['/acme/app/events?page=0'], ['/acme/app/events?page=abc'],
      ['/acme/app/audit?page=99999999'], ['/nobody/nothing'], [`/acme/${'x'.repeat(300)}`],
      ['/acme/app%00'], ['/%ff/app'], ['/sign-in?next=' + 'x'.repeat(3000)],
      ['/sign-in', { method: 'POST', body: '%%%', headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
      ['/sign-in', { method: 'POST', body: '{"token": 5}', headers: { 'content-type': 'application/json' } }],
      ['/sign-in', { method: 'POST', body: 'x', headers: { 'content-type': 'text/xml' } }],
      ['/acme/app/runs/1/cancel', { method: 'POST' }],
      [`/acme/app/runs/${runId}/tasks/abc/logs/stream`],
    ];
    for (const [url, init] of cases) {
      const reply = await fetch(open.url + url, { redirect: 'manual', ...init });
      expect(reply.status, url).toBeGreaterThanOrEqual(300);
      expect(reply.status, url).toBeLessThan(500);
    }
    expect((await fetch(`${open.url}/nobody/nothing`)).status).toBe(404);
  });
});
