// Runs the request examples of docs/runners.md's "Handing work to another workflow" with curl against the whole
// service: a runner holds the task of a push's run, and hands work to a workflow with a dispatch() trigger.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunnerClient } from '../../server/runner/client.js';
import type { Service } from '../../server/services/service.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, push, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { examplesOf, matchesDocumented } from '../support/doc-examples.js';
import { startTestService, waitForPushTriggered } from '../support/service.js';

const run = promisify(execFile);
const HANDOFF_SECTION = 'Handing work to another workflow';
const REGISTRATION = 'docs-handoff-registration';

const WORKFLOWS = {
  '.plue/workflows/ci.py': 'from plue import workflow, push\n\n\n@workflow(name="CI", on=push(branches=["main"]))\nasync def ci(ctx):\n    pass\n',
  '.plue/workflows/deploy.py': 'from plue import workflow, dispatch\n\n\n@workflow(name="Deploy", on=dispatch())\nasync def deploy(ctx):\n    pass\n',
};

const examples = examplesOf(readFileSync(new URL('../../docs/runners.md', import.meta.url), 'utf8'))
  .filter((e) => e.title.startsWith(`${HANDOFF_SECTION}:`));
const db = useTestDatabase();
let service: Service;
const vars: Record<string, string> = {};

beforeAll(async () => {
  const reposDir = await createTempDir('plue-docs-handoff-');
  const work = await createWorkRepo(await createBareRepo(path.join(reposDir, 'acme', 'app.git')));
  service = await startTestService({ databaseUrl: db.url, reposDir, env: { PLUE_RUNNER_REGISTRATION_TOKEN: REGISTRATION } });
  const sha = await commitFiles(work, WORKFLOWS, 'workflows');
  await push(work, 'HEAD:refs/heads/main');
  await waitForPushTriggered(db.sql, 'refs/heads/main', sha);
  const { token } = await RunnerClient.register(service.url, REGISTRATION, { name: 'docs', labels: [] });
  const task = await new RunnerClient(service.url, token).claim(5);
  if (task === null) throw new Error('no task for the push to main');
  Object.assign(vars, { PLUE_URL: service.url, TASK_ID: String(task.id), TASK_TOKEN: task.token });
});
afterAll(async () => {
  await service?.close();
  await removeTempDirs();
});

describe(`docs/runners.md: ${HANDOFF_SECTION}`, () => {
  it('has an example of the dispatch route', () => {
    expect(examples.map((e) => e.title)).toEqual([`${HANDOFF_SECTION}: POST /api/runners/tasks/$TASK_ID/dispatches → 201`]);
  });

  it.each(examples.map((e) => [e.title, e] as const))('%s', async (_title, example) => {
    const { stdout } = await run('bash', ['-o', 'pipefail', '-c', `${example.command} -w '\\n%{http_code}'`], { env: { PATH: process.env.PATH, ...vars } });
    expect(Number(stdout.slice(stdout.lastIndexOf('\n') + 1))).toBe(example.reply.status);
    const actual = JSON.parse(stdout.slice(0, stdout.lastIndexOf('\n'))) as unknown;
    const expected = JSON.parse(example.reply.body) as unknown;
    if (!matchesDocumented(actual, expected)) expect(actual).toEqual(expected);
    const [child] = await db.sql<{ parent_run_id: number; depth: number }[]>`
      select parent_run_id, depth from workflow_runs where id = ${(actual as { run_id: number }).run_id}`;
    expect(child).toMatchObject({ depth: 1 });
  });
});
