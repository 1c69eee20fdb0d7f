// workflow_run chaining end to end, on two replicas sharing one database, with runners speaking the real protocol:
// a run that ends (or is created) starts the workflows that follow it, each filter decides, every run is reported
// once however often its roll-up runs, and a chain of workflows starting each other is cut at
// PLUE_DISPATCH_MAX_DEPTH with a row in the audit trail.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS } from '../../server/adapters/db/status.js';
import type { FinalStatus, Task } from '../../server/runner/protocol.js';
import { RunnerClient } from '../../server/runner/client.js';
import { createApiToken } from '../../server/services/api/tokens.js';
import { rollUpJobs } from '../../server/services/runners/rollup.js';
import type { Service } from '../../server/services/service.js';
import { recordWorkflowRunEvents } from '../../server/services/trigger/record-workflow-run.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, push, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { startTestService, waitFor, waitForPushTriggered } from '../support/service.js';

const REGISTRATION_TOKEN = 'workflow-run-registration';

const workflowFile = (name: string, on: string) => `from plue import workflow, push, manual, workflow_run


@workflow(name="${name}", on=${on})
async def ${name.toLowerCase()}(ctx):
    pass
`;

const WORKFLOWS = {
  '.plue/workflows/ci.py': workflowFile('CI', 'push(branches_ignore=["loop"])'),
  '.plue/workflows/deploy.py': workflowFile('Deploy', 'workflow_run(workflows=["CI"], conclusions=["success"], branches=["main"])'),
  '.plue/workflows/alert.py': workflowFile('Alert', 'workflow_run(workflows=["CI", "Lint"], conclusions=["failure", "cancelled"])'),
  '.plue/workflows/elsewhere.py': workflowFile('Elsewhere', 'workflow_run(workflows=["CI"], branches_ignore=["main"])'),
  '.plue/workflows/started.py': workflowFile('Started', 'workflow_run(workflows=["CI"], types=["requested"])'),
  '.plue/workflows/ping.py': workflowFile('Ping', '[manual(), workflow_run(workflows=["Pong"])]'),
  '.plue/workflows/pong.py': workflowFile('Pong', 'workflow_run(workflows=["Ping"])'),
};

const db = useTestDatabase();
let reposDir: string;
let work: string;
let replicas: Service[] = [];
let runners: RunnerClient[] = [];
let token: string;

interface RunRow { id: number; workflow_name: string; status: number; ref: string; parent_run_id: number | null; depth: number; event_id: number | null }
interface EventRow {
  id: number; dedup_key: string; status: string; parent_run_id: number | null; depth: number;
  payload: { action: string; workflow_run: Record<string, unknown> };
  result: { runs: Array<{ name: string }>; skipped: Array<{ name: string; reason: string }> } | null;
}

const runs = () => db.sql<RunRow[]>`select id, workflow_name, status, ref, parent_run_id, depth, event_id from workflow_runs order by id`;
const workflowRunEvents = (runId: number) => db.sql<EventRow[]>`
  select id, dedup_key, status, parent_run_id, depth, payload, result from events
  where kind = 'workflow_run' and parent_run_id = ${runId} order by id`;

/** Claims every waiting task (through both replicas in turn) and finishes it with the status `statusOf` gives. */
async function finishWaitingTasks(statusOf: (task: Task) => FinalStatus): Promise<number> {
  let finished = 0;
  for (let i = 0; ; i++) {
    const runner = runners[i % runners.length]!;
    const task = await runner.claim(0);
    if (task === null) return finished;
    await runner.finish(task, statusOf(task));
    finished++;
  }
}

/** Finishes tasks as they come until `check` holds. */
async function driveUntil<T>(statusOf: (task: Task) => FinalStatus, check: () => Promise<T | null | undefined | false>, what: string): Promise<T> {
  return waitFor(async () => {
    await finishWaitingTasks(statusOf);
    return check();
  }, what);
}

const runOf = async (name: string, where: (run: RunRow) => boolean = () => true) =>
  (await runs()).find((r) => r.workflow_name === name && where(r));

const finalRunOf = (name: string, where: (run: RunRow) => boolean = () => true) => async () => {
  const run = await runOf(name, where);
  return run !== undefined && run.status !== STATUS.waiting && run.status !== STATUS.running ? run : null;
};

/** Waits until the run's completed event has been triggered. */
async function completedEventOf(runId: number): Promise<EventRow> {
  return waitFor(async () => (await workflowRunEvents(runId)).find((e) => e.dedup_key === `workflow_run:completed:${runId}` && e.status === 'processed'),
    `the completed event of run ${runId}`);
}

beforeAll(async () => {
  reposDir = await createTempDir('plue-repos-');
  const bare = await createBareRepo(path.join(reposDir, 'acme', 'app.git'));
  work = await createWorkRepo(bare);
  await commitFiles(work, { 'README.md': 'app' }, 'first');
  await push(work, 'HEAD:refs/heads/main');
  const env = { PLUE_DISPATCH_MAX_DEPTH: '2', PLUE_RUNNER_REGISTRATION_TOKEN: REGISTRATION_TOKEN };
  for (let i = 0; i < 2; i++) replicas.push(await startTestService({ databaseUrl: db.url, reposDir, env }));
  for (const [i, replica] of replicas.entries()) {
    const { token: runnerToken } = await RunnerClient.register(replica.url, REGISTRATION_TOKEN, { name: `runner-${i}`, labels: [] });
    runners.push(new RunnerClient(replica.url, runnerToken));
  }
  token = (await createApiToken(db.sql, { scope: 'admin' })).token;
});

afterAll(async () => {
  for (const replica of replicas) await replica.close();
  replicas = [];
  runners = [];
  await removeTempDirs();
});

describe('workflow_run on two replicas', () => {
  let ciOnMain: RunRow;

  it('starts the followers of a successful run on main, and the followers of its request', async () => {
    const sha = await commitFiles(work, WORKFLOWS, 'workflows');
    await push(work, 'HEAD:refs/heads/main');
    await waitForPushTriggered(db.sql, 'refs/heads/main', sha);
    ciOnMain = (await runOf('CI'))!;
    expect(ciOnMain).toMatchObject({ depth: 0, parent_run_id: null });

    // Requested: the run was created, and `Started` follows that.
    const started = await waitFor(() => runOf('Started'), 'the run of Started');
    expect(started).toMatchObject({ parent_run_id: ciOnMain.id, depth: 1, ref: 'refs/heads/main' });
    const [requested] = await workflowRunEvents(ciOnMain.id);
    expect(requested).toMatchObject({ dedup_key: `workflow_run:requested:${ciOnMain.id}`, depth: 1 });
    expect(requested!.payload).toMatchObject({ action: 'requested', workflow_run: { id: ciOnMain.id, name: 'CI', status: 'waiting', conclusion: null } });

    await driveUntil(() => 'success', finalRunOf('Deploy'), 'the run of Deploy');
    const completed = await completedEventOf(ciOnMain.id);
    expect(completed.payload).toMatchObject({
      action: 'completed',
      workflow: { name: 'CI', path: '.plue/workflows/ci.py' },
      workflow_run: {
        id: ciOnMain.id, name: 'CI', path: '.plue/workflows/ci.py', event: 'push', status: 'completed', conclusion: 'success',
        head_branch: 'main', head_sha: sha, ref: 'refs/heads/main', depth: 0, run_attempt: 1,
      },
    });
    expect(completed.result!.runs.map((r) => r.name)).toEqual(['Deploy']);
    const reasons = Object.fromEntries(completed.result!.skipped.map((s) => [s.name, s.reason]));
    expect(reasons).toMatchObject({
      Alert: 'conclusion `success` not in conclusions [failure, cancelled]',
      Elsewhere: 'run branch `main` matches branches_ignore [main]',
      Started: 'workflow_run type `completed` not in types [requested]',
      Pong: 'workflow `CI` not in workflows [Ping]',
      CI: 'not triggered by workflow_run (triggers: push)',
    });
    const deploy = (await runOf('Deploy'))!;
    expect(deploy).toMatchObject({ parent_run_id: ciOnMain.id, depth: 1, event_id: completed.id });
    const [payload] = await db.sql<{ event_payload: { workflow_run: { id: number } } }[]>`select event_payload from workflow_runs where id = ${deploy.id}`;
    expect(payload!.event_payload.workflow_run.id).toBe(ciOnMain.id);
  });

  it('starts the followers of a failed run on another branch, by conclusion and branch filters', async () => {
    const sha = await commitFiles(work, { 'src/app.py': 'x = 1\n' }, 'dev work');
    await push(work, 'HEAD:refs/heads/dev');
    await waitForPushTriggered(db.sql, 'refs/heads/dev', sha);
    const ci = (await runOf('CI', (r) => r.ref === 'refs/heads/dev'))!;
    await driveUntil((task) => (task.run.id === ci.id ? 'failure' : 'success'), finalRunOf('Elsewhere'), 'the run of Elsewhere');
    const completed = await completedEventOf(ci.id);
    expect(completed.payload.workflow_run).toMatchObject({ conclusion: 'failure', head_branch: 'dev' });
    expect(completed.result!.runs.map((r) => r.name).sort()).toEqual(['Alert', 'Elsewhere']);
    expect(completed.result!.skipped.find((s) => s.name === 'Deploy')?.reason).toBe('conclusion `failure` not in conclusions [success]');
    // The followers run on the default branch, where their workflow files are read.
    expect(await runOf('Alert')).toMatchObject({ ref: 'refs/heads/main', parent_run_id: ci.id, depth: 1 });
  });

  it('reports a run once, however often its roll-up runs', async () => {
    const [job] = await db.sql<{ id: number }[]>`select id from workflow_jobs where run_id = ${ciOnMain.id}`;
    const [task] = await db.sql<{ id: number }[]>`select id from workflow_tasks where job_id = ${job!.id}`;
    await db.sql.begin((tx) => rollUpJobs(tx, [job!.id]));
    await db.sql.begin((tx) => rollUpJobs(tx, [job!.id]));
    expect(await db.sql.begin((tx) => recordWorkflowRunEvents(tx, [ciOnMain.id], 'completed'))).toEqual([]);
    expect(task).toBeDefined();
    const events = await workflowRunEvents(ciOnMain.id);
    expect(events.map((e) => e.dedup_key)).toEqual([`workflow_run:requested:${ciOnMain.id}`, `workflow_run:completed:${ciOnMain.id}`]);
    expect((await runs()).filter((r) => r.workflow_name === 'Deploy')).toHaveLength(1);
  });

  it('is not a kind of event the host can post', async () => {
    const response = await fetch(`${replicas[0]!.url}/api/repos/acme/app/events`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'workflow_run', payload: { workflow_run: { id: 1 } } }),
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
  });

  it('cuts a chain of workflows starting each other at PLUE_DISPATCH_MAX_DEPTH, and audits it', async () => {
    const response = await fetch(`${replicas[1]!.url}/api/repos/acme/app/workflows/Ping/dispatches`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ ref: 'main' }),
    });
    expect(response.status).toBe(201);
    const first = (await response.json()) as { run_id: number };
    const chainRuns = async () => (await runs()).filter((r) => r.id >= first.run_id && (r.workflow_name === 'Ping' || r.workflow_name === 'Pong'));
    const [audit] = await driveUntil(() => 'success', async () => {
      const rows = await db.sql<{ kind: string; actor: unknown; subject: { run_id: number; event_id: number }; detail: Record<string, unknown> }[]>`
        select kind, actor, subject, detail from audit_events where kind = 'loop.stopped'`;
      return rows.length > 0 ? rows : null;
    }, 'the loop to be stopped');
    const chain = await chainRuns();
    expect(chain.map((r) => [r.workflow_name, r.depth])).toEqual([['Ping', 0], ['Pong', 1], ['Ping', 2]]);
    expect(chain[1]!.parent_run_id).toBe(chain[0]!.id);
    expect(chain[2]!.parent_run_id).toBe(chain[1]!.id);
    const last = chain[2]!;
    expect(audit).toMatchObject({
      actor: { service: 'workflow_run' },
      subject: { run_id: last.id },
      detail: { workflow: 'Ping', action: 'completed', depth: 3, max_depth: 2 },
    });
    const [stopped] = await workflowRunEvents(last.id);
    expect(stopped).toMatchObject({ status: 'processed', depth: 3, id: audit!.subject.event_id, result: { runs: [], skipped: [] } });
    // Nothing more starts, on either replica.
    await finishWaitingTasks(() => 'success');
    expect(await chainRuns()).toHaveLength(3);
    expect(await db.sql`select 1 from audit_events where kind = 'loop.stopped'`).toHaveLength(1);
  });
});
