// Concurrency groups end to end, with GitHub's semantics, on two replicas of the service sharing one database:
// every event kind goes through the same admission (scheduled runs: schedules.test.ts), runners never see a held run, and the next run starts as soon
// as the group's run ends.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunnerClient } from '../../server/runner/client.js';
import type { Task } from '../../server/runner/protocol.js';
import { createApiToken } from '../../server/services/api/tokens.js';
import type { Service } from '../../server/services/service.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, push, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { pythonExampleAfter } from '../support/docs-examples.js';
import { startTestService, waitFor, waitForPushTriggered } from '../support/service.js';

const REGISTRATION = 'concurrency-test-registration';

// The two examples of docs/workflows.md, and a group without options, for every kind of event.
const DEPLOY_DOC = pythonExampleAfter('workflows.md', '## Concurrency groups', 0);
const CI_DOC = pythonExampleAfter('workflows.md', '## Concurrency groups', 1);
const WORKFLOWS = {
  '.plue/workflows/deploy.py': DEPLOY_DOC,
  '.plue/workflows/ci.py': CI_DOC,
  '.plue/workflows/single.py': `from plue import workflow, push, pull_request, manual, issue, chat, dispatch


@workflow(name="Single", on=[push(branches=["release"]), pull_request(), manual(), issue(types=["opened"]), chat(), dispatch()], concurrency="single-{event}")
async def single(ctx):
    pass
`,
  '.plue/workflows/latest.py': `from plue import workflow, manual


@workflow(name="Latest", on=manual(), concurrency="latest", cancel_in_progress=True)
async def latest(ctx):
    pass
`,
};

const db = useTestDatabase();
let replicas: Service[] = [];
let work: string;
let mainSha: string;
let token: string;
let runner: RunnerClient;
let turn = 0;

/** The replicas take requests in turn. */
const replica = () => replicas[turn++ % replicas.length]!;

async function api<T>(method: 'GET' | 'POST', url: string, body?: unknown): Promise<T> {
  const response = await fetch(`${replica().url}/api/repos/acme/app${url}`, {
    method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json() as T;
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

interface RunJson {
  id: number;
  run_number: number;
  status: string;
  status_reason: string | null;
  concurrency: { group: string; queue: string; waiting_for: { id: number; run_number: number } | null; ahead: number | null } | null;
}

const run = (id: number) => api<RunJson>('GET', `/runs/${id}`);
const states = async (ids: number[]) => Promise.all(ids.map(async (id) => (await run(id)).status));

async function newestRunId(after: number, workflow?: string): Promise<number> {
  return waitFor(async () => {
    const [row] = await db.sql<{ id: number }[]>`
      select id from workflow_runs where id > ${after} and (${workflow ?? null}::text is null or workflow_name = ${workflow ?? null})
      order by id desc limit 1`;
    return row?.id;
  }, 'a new run');
}

async function lastRunId(): Promise<number> {
  const [row] = await db.sql<{ id: number }[]>`select coalesce(max(id), 0)::int as id from workflow_runs`;
  return row!.id;
}

let pushes = 0;

/** One new run of group `single-<kind>` (or of `workflow`), started by an event of that kind. */
async function arrive(kind: 'push' | 'pull_request' | 'manual' | 'issue' | 'chat' | 'dispatch', workflow = 'Single'): Promise<number> {
  const before = await lastRunId();
  if (kind === 'push') {
    const sha = await commitFiles(work, { 'pushes.txt': String(++pushes) }, `push ${pushes}`);
    await push(work, 'HEAD:refs/heads/release');
    await waitForPushTriggered(db.sql, 'refs/heads/release', sha);
  } else if (kind === 'manual') {
    return (await api<{ run_id: number }>('POST', `/workflows/${workflow}/dispatches`, {})).run_id;
  } else if (kind === 'pull_request') {
    const number = ++pushes;
    await api('POST', '/events', {
      event: 'pull_request', action: 'opened', base_ref: 'main', head_ref: `topic-${number}`, base_sha: mainSha, head_sha: mainSha,
      payload: { number },
    });
  } else if (kind === 'issue' || kind === 'chat') {
    await api('POST', '/events', { event: kind, ...(kind === 'issue' ? { action: 'opened' } : {}), payload: { number: ++pushes } });
  } else {
    await api('POST', '/events', { event: 'dispatch', workflow, payload: { n: ++pushes } });
  }
  return newestRunId(before, workflow);
}

/** The next task; runs of the CI workflow, which every push starts as well, are finished on the way. */
async function claim(): Promise<Task | null> {
  for (;;) {
    const task = await runner.claim(0);
    if (task === null || task.workflow.name !== 'CI' || currentGroup === 'ci') return task;
    await runner.finish(task, 'success');
  }
}

let currentGroup = '';

async function finish(task: Task, status: 'success' | 'cancelled' = 'success'): Promise<void> {
  await runner.finish(task, status);
}

beforeAll(async () => {
  const reposDir = await createTempDir('plue-repos-');
  const bare = await createBareRepo(path.join(reposDir, 'acme', 'app.git'));
  work = await createWorkRepo(bare);
  mainSha = await commitFiles(work, WORKFLOWS, 'workflows');
  await push(work, 'HEAD:refs/heads/main');
  const env = { PLUE_RUNNER_REGISTRATION_TOKEN: REGISTRATION };
  replicas = [await startTestService({ databaseUrl: db.url, reposDir, env }), await startTestService({ databaseUrl: db.url, reposDir, env })];
  await waitFor(async () => (await db.sql`select 1 from workflow_definitions where name = 'Single' and state = 'active'`).length > 0, 'the definitions');
  token = (await createApiToken(db.sql, { scope: 'admin' })).token;
  const registered = await RunnerClient.register(replicas[0]!.url, REGISTRATION, { name: 'r', labels: [], version: 'test' });
  runner = new RunnerClient(replicas[1]!.url, registered.token);
});

afterAll(async () => {
  for (const service of replicas) await service.close();
  await removeTempDirs();
});

describe.each(['push', 'pull_request', 'manual', 'issue', 'chat', 'dispatch'] as const)('a group without options, runs started by %s', (kind) => {
  it('runs one at a time; a newer pending run replaces the older; the next starts when the run ends', async () => {
    const group = `single-${kind}`;
    const a = await arrive(kind);
    expect(await run(a)).toMatchObject({ status: 'waiting', status_reason: null, concurrency: { group, queue: 'single', waiting_for: null } });
    const b = await arrive(kind);
    const held = await run(b);
    expect(held).toMatchObject({ status: 'blocked', concurrency: { group, waiting_for: { id: a }, ahead: 0 } });
    expect(held.status_reason).toBe(`waiting for run #${(await run(a)).run_number} of group ${group}`);
    const c = await arrive(kind);
    const replaced = await run(b);
    expect(replaced.status).toBe('cancelled');
    expect(replaced.status_reason).toBe(`replaced by run #${(await run(c)).run_number} of group ${group}`);
    expect(await states([a, c])).toEqual(['waiting', 'blocked']);

    const first = await claim();
    expect(first?.run.id).toBe(a);
    expect(await claim()).toBeNull(); // the held run's task is not handed out
    await finish(first!);
    // Started before the finish was answered: no sweep, no delay.
    expect(await states([a, b, c])).toEqual(['success', 'cancelled', 'waiting']);
    const next = await claim();
    expect(next?.run.id).toBe(c);
    await finish(next!);
  });
});

describe('cancel_in_progress', () => {
  it('cancels the run in progress as well; the new run starts when that run has stopped', async () => {
    const a = await arrive('manual', 'Latest');
    const task = (await claim())!;
    expect(task.run.id).toBe(a);
    const b = await arrive('manual', 'Latest');
    const cancelled = await run(a);
    expect(cancelled.status).toBe('running');
    expect(cancelled.status_reason).toBe(`cancelled by run #${(await run(b)).run_number} of group latest (cancel_in_progress)`);
    expect((await runner.heartbeat(task)).cancelled).toBe(true);
    expect(await states([b])).toEqual(['blocked']);
    await finish(task, 'cancelled');
    expect(await states([a, b])).toEqual(['cancelled', 'waiting']);
    await finish((await claim())!);
  });

  it('cancels a run in progress that no runner has taken yet at once, and starts the new one', async () => {
    const a = await arrive('manual', 'Latest');
    const b = await arrive('manual', 'Latest');
    expect(await states([a, b])).toEqual(['cancelled', 'waiting']);
    await finish((await claim())!);
  });

  it('applies to runs started by a push too (the CI example of docs/workflows.md)', async () => {
    for (let task = await claim(); task !== null; task = await claim()) await finish(task);
    currentGroup = 'ci';
    const before = await lastRunId();
    const first = await commitFiles(work, { 'ci.txt': '1' }, 'ci 1');
    await push(work, 'HEAD:refs/heads/topic');
    await waitForPushTriggered(db.sql, 'refs/heads/topic', first);
    const a = await newestRunId(before);
    const second = await commitFiles(work, { 'ci.txt': '2' }, 'ci 2');
    await push(work, 'HEAD:refs/heads/topic');
    await waitForPushTriggered(db.sql, 'refs/heads/topic', second);
    const b = await newestRunId(a);
    expect(await states([a, b])).toEqual(['cancelled', 'waiting']);
    expect((await run(b)).concurrency).toMatchObject({ group: 'ci-topic' });
    await finish((await claim())!);
    currentGroup = '';
  });
});

describe('queue="max" (the Deploy example of docs/workflows.md)', () => {
  it('keeps every pending run and starts them one by one in the order they arrived', async () => {
    const runs = [];
    for (let i = 0; i < 4; i++) runs.push(await arrive('manual', 'Deploy'));
    expect(await states(runs)).toEqual(['waiting', 'blocked', 'blocked', 'blocked']);
    expect((await run(runs[3]!)).concurrency).toMatchObject({ group: 'deploy-main', queue: 'max', ahead: 2, waiting_for: { id: runs[0] } });
    const order = [];
    for (;;) {
      const task = await claim();
      if (task === null) break;
      order.push(task.run.id);
      await finish(task);
    }
    expect(order).toEqual(runs);
  });
});

describe('a re-run', () => {
  it('enters the group of the run it repeats', async () => {
    const a = await arrive('manual');
    const task = (await claim())!;
    await finish(task);
    const b = await arrive('manual');
    const rerun = await api<{ run_id: number; status: string }>('POST', `/runs/${a}/rerun`);
    expect(rerun.status).toBe('blocked');
    expect(await states([b, rerun.run_id])).toEqual(['waiting', 'blocked']);
    await finish((await claim())!);
    expect(await states([rerun.run_id])).toEqual(['waiting']);
    await finish((await claim())!);
  });
});

describe('many runs arriving at once, through both replicas', () => {
  it('leave one run in progress and one pending; the others are replaced', async () => {
    const ids = await Promise.all(Array.from({ length: 12 }, () => arrive('manual', 'Single')));
    const statuses = await states(ids);
    expect(statuses.filter((s) => s === 'waiting')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'blocked')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'cancelled')).toHaveLength(10);
    // The pending one is the newest.
    expect(statuses[ids.indexOf(Math.max(...ids))]).toBe('blocked');
    for (let task = await claim(); task !== null; task = await claim()) await finish(task);
  });

  it('with queue="max", all wait in the order they arrived', async () => {
    const ids = await Promise.all(Array.from({ length: 12 }, () => arrive('manual', 'Deploy')));
    const sorted = [...ids].sort((x, y) => x - y);
    expect(await states(sorted)).toEqual(['waiting', ...Array.from({ length: 11 }, () => 'blocked')]);
    const order = [];
    for (let task = await claim(); task !== null; task = await claim()) {
      order.push(task.run.id);
      await finish(task);
    }
    expect(order).toEqual(sorted);
  });
});
