// GET /api/repos/:owner/:repo/workflows and …/workflows/:workflow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../server/services/service.js';
import { commitFiles, push, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { waitForPushTriggered } from '../support/service.js';
import { BROKEN, call, createApiRepo, expectError, startApiService, tokenFor } from './support.js';
import type { ApiRepo } from './support.js';

const db = useTestDatabase();
let service: Service;
let repo: ApiRepo;
let token: string;
const url = '/api/repos/acme/app/workflows';

beforeAll(async () => {
  repo = await createApiRepo();
  service = await startApiService(db.url, repo);
  token = await tokenFor(db.sql, 'repo:acme/app', true);
  // A broken file on main: its definition is invalid and carries the diagnostics.
  const sha = await commitFiles(repo.work, { '.plue/workflows/broken.py': BROKEN }, 'broken');
  await push(repo.work, 'main');
  await service.registry.refsChanged('acme/app');
  await waitForPushTriggered(db.sql, 'refs/heads/main', sha);
});
afterAll(async () => {
  await service?.close();
  await removeTempDirs();
});

describe('GET …/workflows', () => {
  it("lists the default branch's workflows with their triggers, state and diagnostics", async () => {
    const reply = await call(service, 'GET', url, { token });
    expect(reply.status).toBe(200);
    expect(reply.body.total_count).toBe(8);
    expect(reply.body.workflows.map((w: { name: string; state: string }) => `${w.name}:${w.state}`)).toEqual([
      'Agent:active', 'Broken:invalid', 'CI:active', 'Deploy:active', 'Hook:active', 'Format:active', 'Lint:active', 'Triage:active',
    ]);
    const deploy = reply.body.workflows.find((w: { name: string }) => w.name === 'Deploy');
    expect(deploy).toMatchObject({
      path: '.plue/workflows/deploy.py', function: 'deploy', state: 'active', events: ['manual'], agent: false, runs_on: [],
      diagnostics: [], file_sha: expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    expect(deploy.triggers[0].inputs.replicas).toEqual({ type: 'number', required: true });
    expect(Date.parse(deploy.created_at)).not.toBeNaN();
    const agent = reply.body.workflows.find((w: { name: string }) => w.name === 'Agent');
    expect(agent).toMatchObject({ agent: true, events: ['chat'] });
    const broken = reply.body.workflows.find((w: { name: string }) => w.name === 'Broken');
    expect(broken.diagnostics[0]).toMatchObject({ severity: 'error', code: 'unknown-event', line: 4 });
  });

  it.each([
    ['?per_page=2', 2, 8],
    ['?per_page=2&page=4', 2, 8],
    ['?per_page=100&page=2', 0, 8],
    ['?state=invalid', 1, 1],
    ['?state=deleted', 0, 0],
  ])('pages and filters: %s', async (query, count, total) => {
    const reply = await call(service, 'GET', `${url}${query}`, { token });
    expect(reply.status).toBe(200);
    expect(reply.body.workflows).toHaveLength(count);
    expect(reply.body.total_count).toBe(total);
  });

  it.each([
    '?per_page=0', '?per_page=101', '?page=0', '?page=-1', '?page=1.5', '?per_page=abc', '?state=gone', '?perpage=5',
  ])('refuses bad paging %s with 400', async (query) => {
    expectError(await call(service, 'GET', `${url}${query}`, { token }), 400, 'invalid_request');
  });

  it('answers 404 for an unknown repository', async () => {
    const admin = await tokenFor(db.sql, 'admin');
    expectError(await call(service, 'GET', '/api/repos/acme/nope/workflows', { token: admin }), 404, 'not_found');
  });
});

describe('GET …/workflows/:workflow', () => {
  it.each([
    ['.plue%2Fworkflows%2Fdeploy.py'], ['deploy.py'], ['Deploy'], ['deploy'],
  ])('finds a workflow by %s', async (selector) => {
    const reply = await call(service, 'GET', `${url}/${selector}`, { token });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ name: 'Deploy', path: '.plue/workflows/deploy.py' });
  });

  it('finds a workflow by its id', async () => {
    const list = await call(service, 'GET', url, { token });
    const ci = list.body.workflows.find((w: { name: string }) => w.name === 'CI');
    const reply = await call(service, 'GET', `${url}/${ci.id}`, { token });
    expect(reply.body).toMatchObject({ id: ci.id, name: 'CI' });
  });

  it('a file with two workflows is ambiguous by path: 422 with the candidates', async () => {
    const reply = await call(service, 'GET', `${url}/pair.py`, { token });
    expectError(reply, 422, 'ambiguous_workflow');
    expect(reply.body.error.details.candidates.map((c: { name: string }) => c.name).sort()).toEqual(['Format', 'Lint']);
  });

  it.each([
    ['nope.py'], ['999999'], ['..%2F..%2Fetc%2Fpasswd'], ['.plue%2Fworkflows%2F..%2Fworkflows%2Fci.py'], ['%2e%2e'],
    ['%2Fetc%2Fpasswd'], ['ci.py%3B%20drop%20table%20workflow_runs'], ["'%20or%201%3D1--"],
  ])('answers a clean 404 for %s', async (selector) => {
    expectError(await call(service, 'GET', `${url}/${selector}`, { token }), 404, 'not_found');
  });

  it('refuses a NUL byte in the path with 400', async () => {
    expectError(await call(service, 'GET', `${url}/ci%00.py`, { token }), 400, 'invalid_request');
  });
});
