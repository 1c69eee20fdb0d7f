// Runs every request example of docs/api.md, in order, with curl against a real server and repository, and checks
// each reply against the documented one. `"<…>"` in a documented reply stands for any value, and an object with a
// `"…"` key may have more keys than it lists.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvent } from '../../server/adapters/db/events.js';
import { RunnerClient } from '../../server/runner/client.js';
import type { Service } from '../../server/services/service.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, git, push, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { examplesOf, matchesDocumented } from '../support/doc-examples.js';
import type { Example } from '../support/doc-examples.js';
import { waitFor } from '../support/service.js';
import { WebhookReceiver } from '../support/webhook-receiver.js';
import { startApiService, tokenFor } from './support.js';

const run = promisify(execFile);

const file = (name: string, on: string, extra = '') =>
  `from plue import workflow, push, pull_request, manual, issue, dispatch, schedule\n\n\n@workflow(name="${name}", on=${on}${extra})\nasync def ${name.toLowerCase()}(ctx):\n    pass\n`;
const WORKFLOWS = {
  '.plue/workflows/agent.py': file('Agent', '"chat"', ', agent=True'),
  '.plue/workflows/ci.py': file('CI', '[push(branches=["main"]), pull_request(branches=["main"], paths=["src/**"])]'),
  '.plue/workflows/deploy.py': file('Deploy', `manual(inputs={
    "environment": {"type": "choice", "options": ["staging", "production"], "default": "staging"},
    "replicas": {"type": "number", "required": True},
})`),
  '.plue/workflows/notify.py': file('Notify', 'dispatch()'),
  '.plue/workflows/triage.py': file('Triage', 'issue(types=["opened"])'),
  '.plue/workflows/update.py': file('Update', 'schedule(cron="30 2 * * *", timezone="Europe/Berlin")', ', concurrency="update"'),
};

const examples = examplesOf(readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8'));
const db = useTestDatabase();
let service: Service;
let receiver: WebhookReceiver;
const vars: Record<string, string> = {};

beforeAll(async () => {
  const reposDir = await createTempDir('plue-api-docs-');
  const work = await createWorkRepo(await createBareRepo(path.join(reposDir, 'acme', 'app.git')));
  vars.BASE_SHA = await commitFiles(work, { ...WORKFLOWS, 'src/app.py': 'print("hi")\n' }, 'workflows');
  await push(work, 'main');
  await git(['checkout', '-q', '-b', 'faster-start'], work);
  vars.HEAD_SHA = await commitFiles(work, { 'src/app.py': 'print("fast")\n' }, 'start faster');
  await push(work, 'faster-start');
  // Hooks post to a receiver on loopback that answers 410 Gone: its deliveries are dead letters at once.
  service = await startApiService(db.url, { reposDir, bare: '', work, shas: { main: vars.BASE_SHA, feature: vars.HEAD_SHA, docsOnly: '' } }, { PLUE_WEBHOOK_ALLOW_PRIVATE: '1' });
  receiver = await WebhookReceiver.start();
  receiver.answer = () => 410;
  vars.RECEIVER_URL = receiver.url;
  vars.PLUE_URL = service.url;
  vars.PLUE_TOKEN = await tokenFor(db.sql, 'repo:acme/app');
  vars.PLUE_ADMIN_TOKEN = await tokenFor(db.sql, 'admin');
});
afterAll(async () => {
  await service?.close();
  await receiver?.close();
  await removeTempDirs();
});

/** The documented situation before an example: a runner has run the re-run; the issue event has been triggered. */
async function prepare(example: Example): Promise<void> {
  if (example.command.includes('/logs')) {
    const runner = new RunnerClient(service.url, (await RunnerClient.register(service.url, service.runners.settings.registrationToken, { name: 'docs', labels: [] })).token);
    const task = await runner.claim(5);
    expect(task?.run.id).toBe(Number(vars.RERUN_ID));
    await runner.logs(task!, 'deploy', ['deploying 3 replicas to staging', 'replica 1 up', 'replica 2 up'], 0);
    await runner.finish(task!, 'success');
  }
  if (example.command.includes('/events?status=failed')) {
    // A dispatch recorded for a branch deleted before it was triggered: a dead letter.
    const [repo] = await db.sql<{ id: number }[]>`select id from repositories where owner = 'acme' and name = 'app'`;
    const id = await recordEvent(db.sql, { repository_id: repo!.id, kind: 'dispatch', dedup_key: 'delivery:release-1.4', source: 'api', payload: { ref: 'refs/heads/release' } });
    service.trigger.kick(repo!.id);
    await waitFor(async () => (await db.sql`select 1 from events where id = ${id!} and status = 'failed'`).length > 0, 'the dead letter');
    vars.FAILED_EVENT_ID = String(id);
  }
  if (example.command.includes('/deliveries?status=failed')) {
    // A run started after the hook was made: its first delivery is refused by the receiver.
    const [repo] = await db.sql<{ id: number }[]>`select id from repositories where owner = 'acme' and name = 'app'`;
    const reply = await fetch(`${service.url}/api/repos/acme/app/workflows/deploy.py/dispatches`, {
      method: 'POST', headers: { authorization: `Bearer ${vars.PLUE_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ref: 'main', inputs: { replicas: 1 } }),
    });
    expect(reply.status).toBe(201);
    const [failed] = await waitFor(async () => {
      const rows = await db.sql<{ id: number }[]>`
        select id from webhook_deliveries where hook_id = ${Number(vars.HOOK_ID)} and repository_id = ${repo!.id} and status = 'failed' order by id`;
      return rows.length >= 2 ? rows : null;
    }, 'the run\'s two dead-lettered deliveries');
    vars.DELIVERY_ID = String(failed!.id);
  }
  if (example.command.includes('/events/$EVENT_ID')) {
    await waitFor(async () => (await db.sql`select 1 from events where id = ${Number(vars.EVENT_ID)} and status = 'processed'`).length > 0, 'the issue to be triggered');
  }
}

describe('docs/api.md examples', () => {
  it('has examples for every route of the user API', () => {
    const routes = new Set(examples.map((e) => e.title.slice(e.title.indexOf(': ') + 2, e.title.lastIndexOf(' →'))));
    expect([...routes].sort()).toEqual([
      'DELETE /api/repos/acme/app/hooks/$HOOK_ID', 'GET /api/repos/acme/app', 'GET /api/repos/acme/app/audit',
      'GET /api/repos/acme/app/commits/main/status', 'GET /api/repos/acme/app/commits/main/statuses',
      'GET /api/repos/acme/app/events', 'GET /api/repos/acme/app/events/$EVENT_ID', 'GET /api/repos/acme/app/hooks',
      'GET /api/repos/acme/app/hooks/$HOOK_ID', 'GET /api/repos/acme/app/hooks/$HOOK_ID/deliveries',
      'GET /api/repos/acme/app/runs', 'GET /api/repos/acme/app/runs/$RERUN_ID/logs',
      'GET /api/repos/acme/app/runs/$RUN_ID', 'GET /api/repos/acme/app/schedules', 'GET /api/repos/acme/app/workflows',
      'GET /api/repos/acme/app/workflows/deploy.py', 'GET /api/runners', 'PATCH /api/repos/acme/app/hooks/$HOOK_ID', 'POST /api/hooks',
      'POST /api/repos/acme/app/events', 'POST /api/repos/acme/app/events/$FAILED_EVENT_ID/retry',
      'POST /api/repos/acme/app/hooks', 'POST /api/repos/acme/app/hooks/$HOOK_ID/deliveries/$DELIVERY_ID/redeliver',
      'POST /api/repos/acme/app/runs/$RUN_ID/cancel', 'POST /api/repos/acme/app/runs/$RUN_ID/events', 'POST /api/repos/acme/app/runs/$RUN_ID/rerun',
      'POST /api/repos/acme/app/workflows/Deploy/dispatches', 'POST /api/repos/acme/app/workflows/Notify/dispatches',
      'POST /api/repos/acme/app/workflows/ci.py/dispatches',
      'POST /api/repos/acme/app/workflows/deploy.py/dispatches',
    ]);
  });

  it.each(examples.map((e) => [e.title, e] as const))('%s', async (_title, example) => {
    await prepare(example);
    const withStatus = example.reply.status !== null;
    const command = withStatus ? `${example.command} -w '\\n%{http_code}'` : example.command;
    const { stdout } = await run('bash', ['-o', 'pipefail', '-c', command], { env: { PATH: process.env.PATH, ...vars } });
    const status = Number(stdout.slice(stdout.lastIndexOf('\n') + 1));
    const body = stdout.slice(0, stdout.lastIndexOf('\n'));
    expect(status).toBe(example.reply.status);
    const actual = (body === '' ? null : JSON.parse(body)) as Record<string, unknown>; // a 204 has no body
    const expected = JSON.parse(example.reply.body) as unknown;
    if (!matchesDocumented(actual, expected)) expect(actual).toEqual(expected); // shows the difference
    if (example.command.includes('/dispatches') && status === 201) vars.RUN_ID ??= String(actual.run_id);
    if (example.command.includes('/rerun') && status === 201) vars.RERUN_ID = String(actual.run_id);
    if (example.command.includes('/events"') && status === 202) vars.EVENT_ID = String(actual.event_id);
    if (example.command.includes('/acme/app/hooks"') && status === 201) vars.HOOK_ID = String(actual.id);
  });
});
