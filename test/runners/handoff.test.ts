// A workflow hands work to another through the reference runner: ctx.dispatch with a payload and context files,
// the second reads them from trigger-context/; the context files come inline or by URL; a chain of dispatches is
// stopped at PLUE_DISPATCH_MAX_DEPTH and audited; all of it with two replicas on one database.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS } from '../../server/adapters/db/status.js';
import { RunnerClient } from '../../server/runner/client.js';
import { Runner } from '../../server/runner/runner.js';
import type { Service } from '../../server/services/service.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, push, removeTempDirs } from '../git/fixtures.js';
import { call, tokenFor } from '../api/support.js';
import { useTestDatabase } from '../support/db.js';
import { finishedRun, latestTaskLog } from './support.js';
import { startTestService, waitFor } from '../support/service.js';

const HANDOFF = `import json
import os
from plue import workflow, manual, dispatch, DispatchFailed

@workflow(name="Start", on=manual(inputs={"big": {"type": "number", "default": 0}}))
async def start(ctx):
    context = {"notes.md": "# Notes\\nship it\\n", "ünï code.txt": "ü"}
    if ctx.inputs["big"]:
        context["big.txt"] = "x" * int(ctx.inputs["big"])
    run = await ctx.dispatch("Receive", payload={"release": "1.2", "list": [1, 2]}, context=context)
    print("started", run.run_id, run.run_number, run.status)
    try:
        await ctx.dispatch("Start", payload={})
    except DispatchFailed as error:
        print("refused", error.status, error.code)

@workflow(name="Receive", on=dispatch())
async def receive(ctx):
    print("payload", json.dumps(ctx.payload, sort_keys=True))
    print("event", ctx.event, "parent", ctx.event_payload["parent_run_id"])
    for name in sorted(os.listdir("trigger-context")):
        with open(os.path.join("trigger-context", name), encoding="utf-8") as f:
            text = f.read()
        print("file", name, len(text), repr(text[:20]))

@workflow(name="Loop", on=[manual(), dispatch()])
async def loop(ctx):
    n = ctx.payload.get("n", 0) if ctx.event == "dispatch" else 0
    print("loop", n)
    try:
        run = await ctx.dispatch("Loop", payload={"n": n + 1})
        print("next", run.run_id)
    except DispatchFailed as error:
        print("stopped", error.code)
`;

const REGISTRATION = 'handoff-registration';
const db = useTestDatabase();
const replicas: Service[] = [];
let runner: Runner;
let token: string;

beforeAll(async () => {
  const reposDir = await createTempDir('plue-handoff-repos-');
  const bare = await createBareRepo(path.join(reposDir, 'acme', 'app.git'));
  const work = await createWorkRepo(bare);
  await commitFiles(work, { '.plue/workflows/handoff.py': HANDOFF }, 'handoff workflows');
  await push(work, 'main');
  const env = { PLUE_RUNNER_REGISTRATION_TOKEN: REGISTRATION, PLUE_DISPATCH_MAX_DEPTH: '2' };
  replicas.push(await startTestService({ databaseUrl: db.url, reposDir, watch: false, env }));
  replicas.push(await startTestService({ databaseUrl: db.url, reposDir, watch: false, env }));
  token = await tokenFor(db.sql, 'repo:acme/app');
  // The runner talks to the second replica; people start runs through the first.
  const registered = await RunnerClient.register(replicas[1]!.url, REGISTRATION, { name: 'handoff', labels: [] });
  runner = new Runner({ client: new RunnerClient(replicas[1]!.url, registered.token), concurrency: 2, waitSeconds: 5 });
  runner.start();
});

afterAll(async () => {
  await runner?.shutdown(0);
  for (const replica of replicas) await replica.close();
  await removeTempDirs();
});

const finished = (runId: number) => finishedRun(db.sql, runId);
const logOfRun = (runId: number) => latestTaskLog(db.sql, runId);

async function start(replica: number, workflow: string, inputs: Record<string, unknown> = {}): Promise<number> {
  const reply = await call(replicas[replica]!, 'POST', `/api/repos/acme/app/workflows/${workflow}/dispatches`, { token, body: { inputs } });
  expect(reply.status).toBe(201);
  return reply.body.run_id as number;
}

async function childrenOf(runId: number): Promise<Array<{ id: number; workflow: string; status: string }>> {
  return (await call(replicas[0]!, 'GET', `/api/repos/acme/app/runs/${runId}`, { token })).body.children;
}

describe('handing work to another workflow through the reference runner', () => {
  it.each([
    ['inline in the claim', 0],
    ['fetched from context_url', 70_000],
  ])('ctx.dispatch starts the target with its payload and context files (%s), read from trigger-context/', async (_how, big) => {
    const parent = await start(0, 'Start', { big });
    expect(await finished(parent)).toBe(STATUS.success);
    const parentLog = await logOfRun(parent);
    expect(parentLog).toContain('refused 422 not_dispatchable');
    const started = parentLog.find((l) => l.startsWith('started '));
    expect(started).toMatch(/^started \d+ \d+ waiting$/);
    const childId = Number(started!.split(' ')[1]);
    expect(await childrenOf(parent)).toEqual([{ id: childId, run_number: expect.any(Number), workflow: 'Receive', status: expect.any(String) }]);

    expect(await finished(childId)).toBe(STATUS.success);
    const log = await logOfRun(childId);
    expect(log).toEqual(expect.arrayContaining([
      'payload {"list": [1, 2], "release": "1.2"}',
      `event dispatch parent ${parent}`,
      "file notes.md 16 '# Notes\\nship it\\n'",
      "file ünï code.txt 1 'ü'",
    ]));
    if (big) expect(log).toContain(`file big.txt ${big} '${'x'.repeat(20)}'`);
    const detail = (await call(replicas[1]!, 'GET', `/api/repos/acme/app/runs/${childId}`, { token })).body;
    expect(detail).toMatchObject({ event: 'dispatch', parent_run_id: parent, depth: 1 });
    const [accepted] = await db.sql<Array<{ actor: unknown }>>`
      select actor from audit_events where kind = 'dispatch.accepted' and (subject->>'run_id')::bigint = ${childId}`;
    expect(accepted!.actor).toEqual({ runner_id: expect.any(Number), task_id: expect.any(Number), run_id: parent });
  });

  it('stops a chain of dispatches past PLUE_DISPATCH_MAX_DEPTH and audits it', async () => {
    const first = await start(0, 'Loop');
    const chain = [first];
    for (let depth = 1; depth <= 2; depth++) {
      const parent = chain.at(-1)!;
      const [child] = await waitFor(async () => {
        const children = await childrenOf(parent);
        return children.length > 0 ? children : null;
      }, `the run started by run ${parent}`);
      chain.push(child!.id);
    }
    for (const id of chain) expect(await finished(id)).toBe(STATUS.success);
    const depths = await db.sql<{ depth: number; parent_run_id: number | null }[]>`
      select depth, parent_run_id from workflow_runs where id = any(${chain}::bigint[]) order by id`;
    expect(depths).toEqual([{ depth: 0, parent_run_id: null }, { depth: 1, parent_run_id: chain[0] }, { depth: 2, parent_run_id: chain[1] }]);
    expect(await childrenOf(chain[2]!)).toEqual([]);
    expect(await logOfRun(chain[2]!)).toEqual(expect.arrayContaining(['loop 2', 'stopped loop_detected']));
    const stopped = await db.sql<Array<{ actor: { run_id: number }; detail: { code: string; depth: number; message: string } }>>`
      select actor, detail from audit_events where kind = 'loop.stopped'`;
    expect(stopped).toHaveLength(1);
    expect(stopped[0]!.actor.run_id).toBe(chain[2]);
    expect(stopped[0]!.detail).toMatchObject({ code: 'loop_detected', depth: 3 });
    expect(stopped[0]!.detail.message).toContain('PLUE_DISPATCH_MAX_DEPTH (2)');
  });

  it('answers one Idempotency-Key with one run, whichever replica gets each retry', async () => {
    const body = { payload: { via: 'replicas' }, context: { 'a.md': 'a' } };
    const headers = { 'idempotency-key': 'two-replicas' };
    const replies = await Promise.all([0, 1, 0, 1].map((i) =>
      call(replicas[i]!, 'POST', '/api/repos/acme/app/workflows/Receive/dispatches', { token, body, headers })));
    // Two racing requests: the loser sees the key taken and answers with the first reply (or asks for a retry).
    const ok = replies.filter((r) => r.status === 201);
    expect(ok.length).toBeGreaterThan(0);
    for (const reply of replies) expect([201, 409]).toContain(reply.status);
    expect(new Set(ok.map((r) => r.body.run_id)).size).toBe(1);
    const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from events where dedup_key = 'dispatch:two-replicas'`;
    expect(row!.n).toBe(1);
    expect(await finished(ok[0]!.body.run_id)).toBe(STATUS.success);
  });
});
