// kill -9 of the service between a run's end and its webhook delivery: the receiver is down when the run ends, the
// service is killed at once, and after a restart the delivery arrives, once, with the id it was given before.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEPLOY, tokenFor } from '../api/support.js';
import { apiCaller, registerRunner, runToEnd, startDeploy } from '../api/webhooks-support.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, push, removeTempDirs } from '../git/fixtures.js';
import { ChildServices, freePort, healthy } from '../support/child-service.js';
import { useTestDatabase } from '../support/db.js';
import { waitFor } from '../support/service.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';

const db = useTestDatabase();
const services = new ChildServices();
const receivers: WebhookReceiver[] = [];

afterAll(async () => {
  services.killAll();
  for (const r of receivers) await r.close();
  await removeTempDirs();
});

describe('kill -9 between a run\'s end and its delivery', () => {
  it('delivers it after the restart, once, with the same delivery id', async () => {
    const reposDir = await createTempDir('plue-repos-');
    const work = await createWorkRepo(await createBareRepo(path.join(reposDir, 'acme', 'app.git')));
    await commitFiles(work, { '.plue/workflows/deploy.py': DEPLOY }, 'deploy');
    await push(work, 'main');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = {
      DATABASE_URL: db.url, PLUE_REPOS_DIR: reposDir, PLUE_DATA_DIR: await createTempDir('plue-data-'), PLUE_DEMO: '0', PORT: String(port),
      HOST: '127.0.0.1', PLUE_RUNNER_REGISTRATION_TOKEN: 'register-me', PLUE_WEBHOOK_ALLOW_PRIVATE: '1', PLUE_WEBHOOK_RETRY_BASE_MS: '300',
    };
    const api = apiCaller(() => url, await tokenFor(db.sql, 'repo:acme/app'));
    const receiverPort = await freePort(); // nothing listens there yet: the receiver is down

    const first = services.serve(env);
    const firstExited = new Promise((resolve) => first.once('exit', resolve));
    await waitFor(() => healthy(url), 'the first service to answer');
    await waitFor(async () => (await db.sql`select 1 from repositories where name = 'app'`).length > 0, 'the repository');
    const hook = await api('POST', '/api/repos/acme/app/hooks', { url: `http://127.0.0.1:${receiverPort}/hook`, events: ['run'], secret: 's' });
    expect(hook.status).toBe(201);
    const runId = await startDeploy(api);
    await runToEnd(await registerRunner(url, 'register-me'), runId, 'success');
    first.kill('SIGKILL'); // right after the run's end was committed
    await firstExited;

    const [ending] = await db.sql<{ count: number }[]>`
      select (select count(*)::int from outbox where run_id = ${runId} and kind = 'run' and state = 'success')
        + (select count(*)::int from webhook_deliveries where run_id = ${runId} and action = 'success' and status = 'pending') as count`;
    expect(ending!.count).toBe(1); // the change is in the outbox, or a delivery waiting: not lost, not delivered

    const receiver = await WebhookReceiver.start(receiverPort);
    receivers.push(receiver);
    services.serve(env);
    await waitFor(() => healthy(url), 'the restarted service to answer');
    const arrived = await waitFor(async () => receiver.received.find((d) => d.json.run?.id === runId && d.json.action === 'success'), 'the run\'s end to be delivered');
    const [row] = await db.sql<{ delivery_uuid: string; status: string }[]>`
      select delivery_uuid, status from webhook_deliveries where run_id = ${runId} and action = 'success'`;
    expect(arrived.headers['x-plue-delivery']).toBe(row!.delivery_uuid);
    await waitFor(async () => (await db.sql`select 1 from webhook_deliveries where run_id = ${runId} and status = 'pending'`).length === 0, 'every delivery done');
    const ids = receiver.received.map((d) => d.headers['x-plue-delivery']);
    expect(new Set(ids).size).toBe(ids.length);
    expect(receiver.received.map((d) => d.json.action)).toEqual(['waiting', 'running', 'success']);
  });
});
