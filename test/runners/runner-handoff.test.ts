// ctx.handoff through the reference runner, against the whole service: the workflow hands its task off and posts
// the completion token to an outside system (a receiver on loopback); the runner stops keeping the task and
// reports nothing, whatever the workflow does afterwards; the outside completes the task and the run succeeds.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTaskLog } from '../../server/adapters/db/logs.js';
import { STATUS } from '../../server/adapters/db/status.js';
import { RunnerClient } from '../../server/runner/client.js';
import type { Outcome } from '../../server/runner/execute-task.js';
import { Runner } from '../../server/runner/runner.js';
import type { Service } from '../../server/services/service.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, push, removeTempDirs } from '../git/fixtures.js';
import { call, tokenFor } from '../api/support.js';
import { useTestDatabase } from '../support/db.js';
import { startTestService, waitFor } from '../support/service.js';

const WORKFLOWS = `import json
import urllib.request
from plue import workflow, manual


@workflow(name="Review", on=manual(inputs={"receiver": {"type": "string"}}))
async def review(ctx):
    print("asking for a review")
    info = await ctx.handoff(external_ref="REV-7", timeout=600)
    request = urllib.request.Request(ctx.inputs["receiver"], method="POST", headers={"content-type": "application/json"},
        data=json.dumps({"task_id": info.task_id, "token": info.completion_token, "complete_url": info.complete_url,
                         "fail_url": info.fail_url, "deadline": info.deadline, "ref": info.external_ref}).encode())
    urllib.request.urlopen(request).read()
    print("this line is not kept")
    raise SystemExit(3)  # the workflow's exit status is not the task's any more
`;

const REGISTRATION = 'runner-handoff-registration';
const db = useTestDatabase();
let service: Service;
let runner: Runner;
let receiver: Server;
let receiverUrl: string;
let apiToken: string;
const received: Array<Record<string, string | number>> = [];
const outcomes: Outcome[] = [];

beforeAll(async () => {
  const reposDir = await createTempDir('plue-runner-handoff-');
  const work = await createWorkRepo(await createBareRepo(path.join(reposDir, 'acme', 'app.git')));
  await commitFiles(work, { '.plue/workflows/review.py': WORKFLOWS }, 'review');
  await push(work, 'main');
  service = await startTestService({ databaseUrl: db.url, reposDir, watch: false, env: { PLUE_RUNNER_REGISTRATION_TOKEN: REGISTRATION } });
  apiToken = await tokenFor(db.sql, 'repo:acme/app');
  receiver = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => {
      received.push(JSON.parse(body) as Record<string, string | number>);
      response.end('{}');
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/review`;
  const registered = await RunnerClient.register(service.url, REGISTRATION, { name: 'handoff', labels: [] });
  runner = new Runner({ client: new RunnerClient(service.url, registered.token), waitSeconds: 5, onTaskEnd: (_task, outcome) => outcomes.push(outcome) });
  runner.start();
});
afterAll(async () => {
  await runner?.shutdown(0);
  await service?.close();
  receiver?.close();
  await removeTempDirs();
});

describe('ctx.handoff through the reference runner', () => {
  it('hands the token to the outside, ends the runner part, and the outside completes the run', async () => {
    const started = await call(service, 'POST', '/api/repos/acme/app/workflows/Review/dispatches', { token: apiToken, body: { inputs: { receiver: receiverUrl } } });
    expect(started.status).toBe(201);
    const runId = started.body.run_id as number;
    const info = await waitFor(async () => received[0], 'the workflow to post the completion token');
    expect(info).toMatchObject({
      ref: 'REV-7', token: expect.stringMatching(/^plc_/), complete_url: `${service.url}/api/tasks/${info.task_id}/complete`,
      fail_url: `${service.url}/api/tasks/${info.task_id}/fail`,
    });
    await waitFor(async () => outcomes.length === 1, 'the runner to let the task go');
    expect(outcomes).toEqual(['handed_off']);

    const waiting = await call(service, 'GET', `/api/repos/acme/app/runs/${runId}`, { token: apiToken });
    expect(waiting.body.status).toBe('running');
    expect(waiting.body.jobs[0].tasks[0]).toMatchObject({ status: 'running', waiting_on: expect.stringContaining('the outside (ref REV-7) since'), runner: { name: 'handoff' } });

    const completed = await fetch(info.complete_url as string, {
      method: 'POST', headers: { authorization: `Bearer ${info.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'success', output: { verdict: 'approved' } }),
    });
    expect(completed.status).toBe(200);
    const detail = await call(service, 'GET', `/api/repos/acme/app/runs/${runId}`, { token: apiToken });
    expect(detail.body.status).toBe('success');
    expect(detail.body.jobs[0].tasks[0]).toMatchObject({ status: 'success', end_reason: 'external', external: { ref: 'REV-7', output: { verdict: 'approved' } } });
    const log = (await readTaskLog(db.sql, Number(info.task_id))).map((l) => l.content);
    expect(log).toEqual(expect.arrayContaining(['asking for a review', '[plue] handing the task off to an external system (ref REV-7)']));
    expect(log.some((line) => line.includes('not kept') || line.includes('plc_'))).toBe(false);
    const [task] = await db.sql<{ status: number }[]>`select status from workflow_tasks where id = ${Number(info.task_id)}`;
    expect(task!.status).toBe(STATUS.success);
  });
});
