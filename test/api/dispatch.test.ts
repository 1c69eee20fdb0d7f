// POST /api/repos/:owner/:repo/workflows/:workflow/dispatches: manual runs with typed inputs, exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS } from '../../server/adapters/db/status.js';
import type { Service } from '../../server/services/service.js';
import { commitFiles, git, push, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { BROKEN, DEPLOY, call, createApiRepo, expectError, startApiService, tokenFor } from './support.js';
import type { ApiRepo } from './support.js';

const RELEASE = `from plue import workflow, manual


@workflow(name="Release", on=manual(inputs={"version": {"type": "string", "required": True}}))
def release(ctx):
    pass
`;

const db = useTestDatabase();
let service: Service;
let repo: ApiRepo;
let token: string;
let brokenSha: string;
const url = (workflow: string) => `/api/repos/acme/app/workflows/${workflow}/dispatches`;
const dispatch = (workflow: string, body: unknown, headers: Record<string, string> = {}) =>
  call(service, 'POST', url(workflow), { token, body, headers });

async function count(table: 'workflow_runs' | 'workflow_jobs' | 'workflow_tasks' | 'events'): Promise<number> {
  const [row] = await db.sql<{ n: number }[]>`select count(*)::int as n from ${db.sql(table)}`;
  return row!.n;
}

beforeAll(async () => {
  repo = await createApiRepo();
  await git(['checkout', '-q', '-b', 'broken-branch', 'main'], repo.work);
  brokenSha = await commitFiles(repo.work, { '.plue/workflows/deploy.py': BROKEN }, 'broken deploy');
  await push(repo.work, 'broken-branch');
  await git(['checkout', '-q', '-b', 'new-workflow', 'main'], repo.work);
  await commitFiles(repo.work, { '.plue/workflows/release.py': RELEASE }, 'release workflow');
  await push(repo.work, 'new-workflow');
  await git(['checkout', '-q', 'main'], repo.work);
  service = await startApiService(db.url, repo);
  token = await tokenFor(db.sql, 'repo:acme/app');
});
afterAll(async () => {
  await service?.close();
  await removeTempDirs();
});

describe('a dispatch', () => {
  it('creates run, job and waiting task with converted inputs, recorded as a processed manual event', async () => {
    const reply = await dispatch('deploy.py', { ref: 'main', inputs: { replicas: '3', dry_run: 'false', environment: 'production', note: 'hi' } });
    expect(reply.status).toBe(201);
    expect(reply.body).toEqual({
      run_id: expect.any(Number), run_number: expect.any(Number), status: 'waiting',
      workflow: { name: 'Deploy', path: '.plue/workflows/deploy.py', function: 'deploy' },
      ref: 'refs/heads/main', sha: repo.shas.main,
      inputs: { replicas: 3, dry_run: false, environment: 'production', note: 'hi' },
    });
    expect(reply.headers.location).toBe(`/api/repos/acme/app/runs/${reply.body.run_id}`);
    const [run] = await db.sql<Array<{ status: number; trigger_event: string; event_id: number; commit_sha: string; event_payload: { inputs: unknown } }>>`
      select status, trigger_event, event_id, commit_sha, event_payload from workflow_runs where id = ${reply.body.run_id}`;
    expect(run).toMatchObject({ status: STATUS.waiting, trigger_event: 'manual', commit_sha: repo.shas.main });
    expect(run!.event_payload.inputs).toEqual(reply.body.inputs); // what the runner's claim hands over as `inputs`
    const [task] = await db.sql<Array<{ status: number; workflow_content: string }>>`
      select t.status, t.workflow_content from workflow_tasks t join workflow_jobs j on j.id = t.job_id where j.run_id = ${reply.body.run_id}`;
    expect(task).toEqual({ status: STATUS.waiting, workflow_content: DEPLOY });
    const [event] = await db.sql<Array<{ kind: string; status: string; source: string; result: { runs: Array<{ run_id: number }> } }>>`
      select kind, status, source, result from events where id = ${run!.event_id}`;
    expect(event).toMatchObject({ kind: 'manual', status: 'processed', source: 'api' });
    expect(event!.result.runs.map((r) => r.run_id)).toEqual([reply.body.run_id]);
  });

  it('fills defaults and runs at the default branch without a ref (and without a body at all for no inputs)', async () => {
    const reply = await dispatch('Deploy', { inputs: { replicas: 2 } });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ ref: 'refs/heads/main', inputs: { replicas: 2, dry_run: true, environment: 'staging' } });
    const bare = await call(service, 'POST', url('Lint'), { token });
    expect(bare.status).toBe(201);
    expect(bare.body.inputs).toEqual({});
  });

  it.each([
    ['v1', 'refs/tags/v1', 'main'],
    ['refs/tags/v1', 'refs/tags/v1', 'main'],
    ['feature', 'refs/heads/feature', 'feature'],
    ['refs/heads/feature', 'refs/heads/feature', 'feature'],
  ] as const)('runs at ref %s', async (ref, full, at) => {
    const reply = await dispatch('deploy', { ref, inputs: { replicas: 1 } });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ ref: full, sha: repo.shas[at] });
  });

  it('reads the workflow at the ref: one that exists only on a branch can be dispatched there', async () => {
    const reply = await dispatch('release.py', { ref: 'new-workflow', inputs: { version: '1.2' } });
    expect(reply.status).toBe(201);
    expect(reply.body.workflow.name).toBe('Release');
    expectError(await dispatch('release.py', { ref: 'main', inputs: { version: '1.2' } }), 404, 'workflow_not_found');
  });

  it('takes a definition id', async () => {
    const [row] = await db.sql<{ id: number }[]>`select id from workflow_definitions where name = 'Deploy'`;
    const reply = await dispatch(String(row!.id), { inputs: { replicas: 1 } });
    expect(reply.status).toBe(201);
    expect(reply.body.workflow.name).toBe('Deploy');
  });
});

describe('refusals', () => {
  it.each([
    ['an unknown ref', 'deploy.py', { ref: 'nope', inputs: { replicas: 1 } }, 422, 'unknown_ref'],
    ['a ref that is an option', 'deploy.py', { ref: '--output=/tmp/x', inputs: { replicas: 1 } }, 422, 'unknown_ref'],
    ['a revision expression', 'deploy.py', { ref: 'main~1', inputs: { replicas: 1 } }, 422, 'unknown_ref'],
    ['a commit id', 'deploy.py', { ref: 'HEAD', inputs: { replicas: 1 } }, 422, 'unknown_ref'],
    ['an unknown workflow', 'nope.py', { ref: 'main' }, 404, 'workflow_not_found'],
    ['a path trick', '..%2F..%2Fetc%2Fpasswd', {}, 404, 'workflow_not_found'],
    ['a workflow without a manual trigger', 'ci.py', {}, 422, 'not_manually_triggerable'],
    ['a workflow file with errors', 'deploy.py', { ref: 'broken-branch' }, 422, 'invalid_workflow'],
    ['a path that names two manual workflows', 'pair.py', {}, 422, 'ambiguous_workflow'],
    ['a ref of the wrong type', 'deploy.py', { ref: 5 }, 400, 'invalid_request'],
    ['an empty ref', 'deploy.py', { ref: '' }, 400, 'invalid_request'],
    ['inputs that are a list', 'deploy.py', { inputs: [] }, 400, 'invalid_request'],
    ['inputs that are a string', 'deploy.py', { inputs: 'replicas=1' }, 400, 'invalid_request'],
    ['an unknown field', 'deploy.py', { inputs: { replicas: 1 }, branch: 'main' }, 400, 'invalid_request'],
  ])('refuses %s', async (_what, workflow, body, status, code) => {
    const before = await count('workflow_runs');
    expectError(await dispatch(workflow, body), status, code);
    expect(await count('workflow_runs')).toBe(before);
  });

  it('names the diagnostics of a broken workflow', async () => {
    const reply = await dispatch('deploy.py', { ref: 'broken-branch' });
    expect(reply.body.error.details.diagnostics[0]).toMatchObject({ code: 'unknown-event' });
    expect(brokenSha).toMatch(/^[0-9a-f]{40}$/);
  });

  it.each([
    [{}, [['inputs.replicas', 'missing-input']]],
    [{ replicas: 'many' }, [['inputs.replicas', 'wrong-type']]],
    [{ replicas: 1, environment: 'prod' }, [['inputs.environment', 'not-an-option']]],
    [{ replicas: 1, bogus: 'x' }, [['inputs.bogus', 'unknown-input']]],
    [{ replicas: 1, dry_run: 'maybe' }, [['inputs.dry_run', 'wrong-type']]],
    [{ replicas: 1, note: 7 }, [['inputs.note', 'wrong-type']]],
    [{ replicas: { n: 1 } }, [['inputs.replicas', 'wrong-type']]],
    [{ bogus: 1, environment: 'dev', dry_run: 3 }, [
      ['inputs.bogus', 'unknown-input'], ['inputs.environment', 'not-an-option'], ['inputs.dry_run', 'wrong-type'], ['inputs.replicas', 'missing-input'],
    ]],
  ])('refuses inputs %j with 422 naming each problem', async (inputs, expected) => {
    const reply = await dispatch('deploy.py', { inputs });
    expectError(reply, 422, 'invalid_inputs');
    const problems = reply.body.error.details.problems.map((p: { field: string; code: string }) => [p.field, p.code]);
    expect(problems.sort()).toEqual([...expected].sort());
    for (const [field] of expected) expect(reply.body.error.message).toContain(`\`${field!.slice('inputs.'.length)}\``);
  });
});

describe('Idempotency-Key', () => {
  it('a retried request answers the first reply and creates nothing new', async () => {
    const body = { inputs: { replicas: 4 } };
    const first = await dispatch('deploy.py', body, { 'idempotency-key': 'deploy-4' });
    expect(first.status).toBe(201);
    const counts = await Promise.all((['workflow_runs', 'workflow_jobs', 'workflow_tasks', 'events'] as const).map(count));
    const again = await dispatch('deploy.py', { inputs: { replicas: 4 } }, { 'idempotency-key': 'deploy-4' });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(await Promise.all((['workflow_runs', 'workflow_jobs', 'workflow_tasks', 'events'] as const).map(count))).toEqual(counts);
  });

  it('refuses the same key for a different request', async () => {
    await dispatch('deploy.py', { inputs: { replicas: 5 } }, { 'idempotency-key': 'deploy-5' });
    expectError(await dispatch('deploy.py', { inputs: { replicas: 6 } }, { 'idempotency-key': 'deploy-5' }), 422, 'idempotency_key_reused');
  });

  it('concurrent requests with one key start one run', async () => {
    const before = await count('workflow_runs');
    const replies = await Promise.all(Array.from({ length: 8 }, () =>
      dispatch('deploy.py', { inputs: { replicas: 7 } }, { 'idempotency-key': 'burst' })));
    expect(replies.map((r) => r.status)).toEqual(replies.map(() => 201));
    expect(new Set(replies.map((r) => r.body.run_id)).size).toBe(1);
    expect(await count('workflow_runs')).toBe(before + 1);
    const events = await db.sql`select id from events where dedup_key = 'manual:burst'`;
    expect(events).toHaveLength(1);
  });

  it.each(['', 'x'.repeat(256), 'has space', 'tab\there'])('refuses a malformed key %j', async (key) => {
    expectError(await dispatch('deploy.py', { inputs: { replicas: 1 } }, { 'idempotency-key': key }), 400, 'invalid_request');
  });
});
