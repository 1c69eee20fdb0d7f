// Webhooks through the HTTP API, delivered to real receivers on loopback (PLUE_WEBHOOK_ALLOW_PRIVATE=1): signed,
// retried after 500s and timeouts, dead-lettered after a 4xx, redelivered by hand, in order per run; private
// addresses refused without the setting; two replicas send each delivery once.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunnerClient } from '../../server/runner/client.js';
import type { Service } from '../../server/services/service.js';
import { removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { startTestService, waitFor } from '../support/service.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import type { ReceivedDelivery } from '../support/webhook-receiver.js';
import { createApiRepo, startApiService, tokenFor } from './support.js';
import type { ApiRepo } from './support.js';
import { apiCaller, docsSignatureCheck, registerRunner, runToEnd, startDeploy } from './webhooks-support.js';
import type { ApiCaller } from './webhooks-support.js';

const ENV = { PLUE_WEBHOOK_ALLOW_PRIVATE: '1', PLUE_WEBHOOK_RETRY_BASE_MS: '30', PLUE_WEBHOOK_MAX_ATTEMPTS: '4', PLUE_WEBHOOK_TIMEOUT_MS: '500' };
const SECRET = 'It is a secret to everybody';

const db = useTestDatabase();
let repo: ApiRepo;
let service: Service;
let api: ApiCaller;
let admin: string;
let runner: RunnerClient;
const receivers: WebhookReceiver[] = [];

beforeAll(async () => {
  repo = await createApiRepo();
  service = await startApiService(db.url, repo, ENV);
  admin = await tokenFor(db.sql, 'admin');
  api = apiCaller(() => service.url, await tokenFor(db.sql, 'repo:acme/app'));
  runner = await registerRunner(service.url, service.runners.settings.registrationToken);
});
afterEach(async () => {
  // Each test hears only its own hooks.
  await db.sql`delete from webhooks`;
  for (const r of receivers.splice(0)) await r.close();
});
afterAll(async () => {
  await service?.close();
  await removeTempDirs();
});

async function receiver(): Promise<WebhookReceiver> {
  const r = await WebhookReceiver.start();
  receivers.push(r);
  return r;
}

async function hookFor(r: WebhookReceiver, events: string[] = ['run']): Promise<number> {
  const reply = await api('POST', '/api/repos/acme/app/hooks', { url: r.url, events, secret: SECRET });
  expect(reply.status).toBe(201);
  return reply.body.id as number;
}

/** Waits until every delivery of the run to the newest hook is done and has arrived. */
async function allDelivered(r: WebhookReceiver, runId: number): Promise<void> {
  await waitFor(async () => {
    const rows = await db.sql<{ status: string; attempts: number }[]>`
      select status, attempts from webhook_deliveries where run_id = ${runId} and hook_id = (select max(id) from webhooks)`;
    return rows.length > 0 && rows.every((row) => row.status === 'delivered') && runDeliveries(r, runId).length >= rows.reduce((n, row) => n + row.attempts, 0);
  }, 'every delivery of the run');
}

const runDeliveries = (r: WebhookReceiver, runId: number) => r.received.filter((d) => d.json.run?.id === runId);
const actions = (ds: ReceivedDelivery[]) => ds.map((d) => `${d.headers['x-plue-event']}:${d.json.action}`);

describe('hooks', () => {
  it('are created, listed, shown without their secret, changed and deleted', async () => {
    const r = await receiver();
    const created = await api('POST', '/api/repos/acme/app/hooks', { url: r.url, events: ['run', 'status'], secret: SECRET });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(Number), url: r.url, events: ['run', 'status'], active: true, created_at: expect.any(String), updated_at: expect.any(String) });
    const id = created.body.id as number;
    expect((await api('GET', '/api/repos/acme/app/hooks')).body.hooks.map((h: { id: number }) => h.id)).toEqual([id]);
    const shown = await api('GET', `/api/repos/acme/app/hooks/${id}`);
    expect(JSON.stringify(shown.body)).not.toContain(SECRET);
    const changed = await api('PATCH', `/api/repos/acme/app/hooks/${id}`, { active: false, events: ['*'] });
    expect(changed.body).toMatchObject({ id, active: false, events: ['*'] });
    expect((await api('DELETE', `/api/repos/acme/app/hooks/${id}`)).status).toBe(204);
    expect((await api('GET', `/api/repos/acme/app/hooks/${id}`)).status).toBe(404);
  });

  it('at the admin level need an admin token, and hear every repository', async () => {
    const r = await receiver();
    expect((await api('POST', '/api/hooks', { url: r.url, events: ['run'], secret: SECRET })).status).toBe(403);
    const created = await api('POST', '/api/hooks', { url: r.url, events: ['run'], secret: SECRET }, admin);
    expect(created.status).toBe(201);
    // A repository's hooks and the admin level's are apart.
    expect((await api('GET', `/api/repos/acme/app/hooks/${created.body.id}`)).status).toBe(404);
    const runId = await startDeploy(api);
    await waitFor(async () => runDeliveries(r, runId).length > 0, 'the admin hook to hear the run');
    const list = await api('GET', `/api/hooks/${created.body.id}/deliveries`, undefined, admin);
    expect(list.body.deliveries[0]).toMatchObject({ event: 'run', run_id: runId });
  });

  it('refuse bad URLs, and private addresses without PLUE_WEBHOOK_ALLOW_PRIVATE', async () => {
    const strict = await startTestService({ databaseUrl: db.url, reposDir: repo.reposDir, watch: false });
    try {
      const strictApi = apiCaller(() => strict.url, admin);
      for (const url of ['http://127.0.0.1:9/hook', 'http://localhost/hook', 'http://[::1]/x', 'http://10.1.2.3/', 'http://169.254.169.254/latest', 'http://[fd00::1]/', 'http://100.64.0.1/', 'http://0.0.0.0/']) {
        const reply = await strictApi('POST', '/api/repos/acme/app/hooks', { url, events: ['run'], secret: SECRET });
        expect(reply.status, url).toBe(422);
        expect(reply.body.error.code).toBe('webhook_url_refused');
      }
      const ftp = await strictApi('POST', '/api/repos/acme/app/hooks', { url: 'ftp://example.com/', events: ['run'], secret: SECRET });
      expect(ftp.body.error.code).toBe('webhook_url_refused');
      const noEvents = await strictApi('POST', '/api/repos/acme/app/hooks', { url: 'https://203.0.113.9/', events: [], secret: SECRET });
      expect(noEvents.status).toBe(400);
    } finally {
      await strict.close();
    }
  });
});

describe('deliveries', () => {
  it('are signed (checked with the docs\' code), one per state change of the run, in order', async () => {
    const r = await receiver();
    await hookFor(r, ['run', 'job']);
    const runId = await startDeploy(api);
    await runToEnd(runner, runId, 'success');
    await waitFor(async () => runDeliveries(r, runId).some((d) => d.json.action === 'success' && d.headers['x-plue-event'] === 'run'), 'the run\'s end');
    await allDelivered(r, runId);
    const verify = docsSignatureCheck();
    for (const d of runDeliveries(r, runId)) {
      expect(d.headers['content-type']).toBe('application/json');
      expect(d.headers['user-agent']).toBe('plue-trigger');
      expect(d.headers['x-plue-delivery']).toMatch(/^[0-9a-f-]{36}$/);
      expect(verify(SECRET, d.body, d.headers['x-plue-signature-256'] as string)).toBe(true);
      expect(verify('another secret', d.body, d.headers['x-plue-signature-256'] as string)).toBe(false);
    }
    const runEvents = actions(runDeliveries(r, runId)).filter((a) => a.startsWith('run:'));
    expect(runEvents).toEqual(['run:waiting', 'run:running', 'run:success']);
    const last = runDeliveries(r, runId).find((d) => d.headers['x-plue-event'] === 'run' && d.json.action === 'success')!.json;
    expect(last).toMatchObject({
      action: 'success', run: { id: runId, status: 'success', workflow: { name: 'Deploy', path: '.plue/workflows/deploy.py' }, event: 'manual' },
      repository: { owner: 'acme', name: 'app', full_name: 'acme/app' },
    });
    expect(actions(runDeliveries(r, runId)).filter((a) => a.startsWith('job:'))).toEqual(['job:waiting', 'job:running', 'job:success']);
  });

  it('are retried after 500s with the same delivery id, and listed with their attempts', async () => {
    const r = await receiver();
    const hook = await hookFor(r);
    let failures = 2;
    r.answer = () => (failures-- > 0 ? 500 : 200);
    const runId = await startDeploy(api);
    await waitFor(async () => r.received.length >= 3, 'two failures and a success');
    expect(new Set(r.received.map((d) => d.headers['x-plue-delivery'])).size).toBe(1);
    expect(r.received.map((d) => d.body.toString())).toEqual(Array(3).fill(r.received[0]!.body.toString()));
    const list = await waitFor(async () => {
      const reply = await api('GET', `/api/repos/acme/app/hooks/${hook}/deliveries`);
      return reply.body.deliveries[0]?.status === 'delivered' ? reply.body : null;
    }, 'the delivery to be recorded delivered');
    expect(list.deliveries[0]).toMatchObject({ event: 'run', action: 'waiting', run_id: runId, attempts: 3, last_status_code: 200, delivery_id: r.received[0]!.headers['x-plue-delivery'] });
  });

  it('are retried after a timeout', async () => {
    const r = await receiver();
    const hook = await hookFor(r);
    let hangs = 1;
    r.answer = () => (hangs-- > 0 ? 'hang' : 204);
    await startDeploy(api);
    await waitFor(async () => r.received.length >= 2, 'a retry after the timeout');
    expect(r.received[0]!.headers['x-plue-delivery']).toBe(r.received[1]!.headers['x-plue-delivery']);
    await waitFor(async () => (await api('GET', `/api/repos/acme/app/hooks/${hook}/deliveries`)).body.deliveries[0]?.status === 'delivered', 'delivered');
  });

  it('are dead letters at once after a 4xx, after the last attempt otherwise, and redelivered by hand', async () => {
    const r = await receiver();
    const hook = await hookFor(r);
    r.answer = () => 404;
    await startDeploy(api);
    const failed = await waitFor(async () => {
      const reply = await api('GET', `/api/repos/acme/app/hooks/${hook}/deliveries?status=failed`);
      return reply.body.deliveries[0];
    }, 'a dead letter');
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, last_status_code: 404, next_attempt_at: null });
    expect(r.received).toHaveLength(1);

    // 503s until the attempts (4) are used up.
    r.answer = () => 503;
    await startDeploy(api);
    const exhausted = await waitFor(async () => (await api('GET', `/api/repos/acme/app/hooks/${hook}/deliveries?status=failed`)).body.deliveries.find((d: { attempts: number }) => d.attempts === 4), 'the attempts used up');
    expect(exhausted.last_status_code).toBe(503);

    r.answer = () => 200;
    const again = await api('POST', `/api/repos/acme/app/hooks/${hook}/deliveries/${failed.id}/redeliver`);
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ id: failed.id, status: 'pending', attempts: 0, delivery_id: failed.delivery_id });
    await waitFor(async () => r.received.at(-1)?.headers['x-plue-delivery'] === failed.delivery_id && r.received.length > 5, 'the redelivery');
    const done = await waitFor(async () => (await api('GET', `/api/repos/acme/app/hooks/${hook}/deliveries?status=delivered`)).body.deliveries[0], 'delivered');
    expect(done).toMatchObject({ id: failed.id, attempts: 1, last_status_code: 200 });
    const twice = await api('POST', `/api/repos/acme/app/hooks/${hook}/deliveries/${failed.id}/redeliver`);
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('delivery_not_failed');
    for (const written of ['1e3', '0x10', '+1']) {
      const odd = await api('POST', `/api/repos/acme/app/hooks/${hook}/deliveries/${encodeURIComponent(written)}/redeliver`);
      expect([odd.status, odd.body.error.code, odd.body.error.details?.problems?.[0]?.field]).toEqual([400, 'invalid_request', 'delivery_id']);
    }
  });

  it('of one run wait for the earlier ones, through their retries', async () => {
    // Runs left queued by earlier tests would end during this one, and their deliveries reach this hook first.
    for (let task = await runner.claim(0); task; task = await runner.claim(0)) await runner.finish(task, 'success');
    const r = await receiver();
    await hookFor(r, ['run', 'job']);
    // The first delivery of the run fails three times; everything after it must wait.
    let failures = 3;
    r.answer = (d) => (d.headers['x-plue-delivery'] === r.received[0]!.headers['x-plue-delivery'] && failures-- > 0 ? 500 : 200);
    const runId = await startDeploy(api);
    await runToEnd(runner, runId, 'failure');
    await waitFor(async () => runDeliveries(r, runId).some((d) => d.json.action === 'failure' && d.headers['x-plue-event'] === 'run'), 'the run\'s end');
    await allDelivered(r, runId);
    const seen = runDeliveries(r, runId);
    const firstId = seen[0]!.headers['x-plue-delivery'];
    // Its three failures and success come first, then the others, each once, in the order of the changes.
    expect(seen.slice(0, 4).map((d) => d.headers['x-plue-delivery'])).toEqual(Array(4).fill(firstId));
    const rest = seen.slice(4);
    expect(new Set(rest.map((d) => d.headers['x-plue-delivery'])).size).toBe(rest.length);
    const changes = await db.sql<{ delivery_uuid: string }[]>`
      select d.delivery_uuid from webhook_deliveries d where d.run_id = ${runId} and d.hook_id = (select max(id) from webhooks) order by d.outbox_id`;
    expect([firstId, ...rest.map((d) => d.headers['x-plue-delivery'])]).toEqual(changes.map((c) => c.delivery_uuid));
  });

  it('are sent once by two replicas', async () => {
    const r = await receiver();
    await hookFor(r, ['*']);
    const second = await startTestService({ databaseUrl: db.url, reposDir: repo.reposDir, watch: false, env: ENV });
    try {
      const runIds: number[] = [];
      for (let i = 0; i < 8; i++) runIds.push(await startDeploy(i % 2 === 0 ? api : apiCaller(() => second.url, admin)));
      const expected = async () => (await db.sql<{ n: number }[]>`select count(*)::int as n from webhook_deliveries where hook_id = (select max(id) from webhooks)`)[0]!.n;
      // Done when every change has been made into deliveries and every delivery has been sent.
      await waitFor(async () => {
        const [left] = await db.sql<{ n: number }[]>`
          select (select count(*) from outbox)::int
            + (select count(*) from webhook_deliveries where status = 'pending' and hook_id = (select max(id) from webhooks))::int as n`;
        return left!.n === 0 && r.received.length >= (await expected());
      }, 'every delivery');
      const ids = r.received.map((d) => d.headers['x-plue-delivery']);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(await expected());
    } finally {
      await second.close();
    }
  });
});
