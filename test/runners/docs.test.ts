// Runs every request example of docs/runners.md, in order, with curl against a real server, and checks each reply
// against the documented one. `"<…>"` in a documented reply stands for any value.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitFiles, createBareRepo, createWorkRepo, push, removeTempDirs } from '../git/fixtures.js';
import { requestRunCancel } from '../../server/services/runners/cancel.js';
import { useTestDatabase } from '../support/db.js';
import { waitFor } from '../support/service.js';
import { examplesOf, matchesDocumented } from '../support/doc-examples.js';
import type { Example } from '../support/doc-examples.js';
import { REGISTRATION_TOKEN, ensureRepository, queueRun, startRunnerServer } from './support.js';
import type { RunnerServer } from './support.js';

const run = promisify(execFile);

const CI = `from plue import workflow, push


@workflow(name="CI", on=push(branches=["main"]))
async def ci(ctx):
    await ctx.run("python3 -m unittest")
`;

/** These sections' examples run in files of their own: docs-handoff.test.ts (the whole service), docs-external.test.ts. */
const OWN_SECTIONS = ['Handing work to another workflow', 'Tasks completed by an external system'];
const examples = examplesOf(readFileSync(new URL('../../docs/runners.md', import.meta.url), 'utf8'))
  .filter((e) => !OWN_SECTIONS.some((section) => e.title.startsWith(`${section}:`)));
const db = useTestDatabase();
let server: RunnerServer;
let sha: string;
let repo: number;
const vars: Record<string, string> = {};

beforeAll(async () => {
  const bare = await createBareRepo();
  const work = await createWorkRepo(bare);
  sha = await commitFiles(work, { '.plue/workflows/ci.py': CI, 'README.md': '# app\n', 'src/app.py': 'print("hi")\n' });
  await push(work, 'main');
  repo = await ensureRepository(db.sql, 'acme', 'app', bare);
  server = await startRunnerServer(db.sql, { pollMs: 0 });
  Object.assign(vars, { PLUE_URL: server.url, REGISTRATION_TOKEN });
});
afterAll(async () => {
  await server?.close();
  await removeTempDirs();
});

describe('docs/runners.md examples', () => {
  it('has examples for every endpoint', () => {
    const paths = examples.map((e) => /\/api\/runners\/[a-z/$_A-Z]+/.exec(e.command)?.[0]);
    expect(new Set(paths)).toEqual(new Set([
      '/api/runners/register', '/api/runners/tasks/claim', '/api/runners/tasks/$TASK_ID/archive', '/api/runners/tasks/$TASK_ID/pack',
      '/api/runners/tasks/$TASK_ID/heartbeat', '/api/runners/tasks/$TASK_ID/status', '/api/runners/tasks/$TASK_ID/logs',
      '/api/runners/tasks/$TASK_ID/release', '/api/runners/tasks/$TASK_ID/waits', '/api/runners/tasks/statuses',
    ]));
  });

  it.each(examples.map((e) => [e.title, e] as const))('%s', async (_title, example) => {
    if (example.reply.status === 200 && example.command.includes('/tasks/claim')) {
      // The documented situation: a push to main of acme/app has queued the CI workflow (once per task claimed).
      const claimed = (JSON.parse(example.reply.body) as { tasks?: unknown[] }).tasks?.length ?? 1;
      for (let i = 0; i < claimed; i++) {
        await queueRun(db.sql, repo, { commit_sha: sha, workflow_content: CI, event_payload: { ref: 'refs/heads/main', after: sha } });
      }
    }
    const withStatus = example.reply.status !== null;
    const command = withStatus ? `${example.command} -w '\\n%{http_code}'` : example.command;
    const request = run('bash', ['-o', 'pipefail', '-c', command], { env: { PATH: process.env.PATH, ...vars } });
    if (example.command.includes('/heartbeat') && example.reply.body.includes('"cancelled": true')) {
      // The documented situation: someone cancels the run while the heartbeat waits.
      await waitFor(async () => server.runners.runSignals.waiting === 1, 'the heartbeat to be held');
      expect(await requestRunCancel(db.sql, Number(vars.RUN_ID))).toEqual({ outcome: 'requested' });
    }
    const { stdout } = await request;
    if (!withStatus) {
      expect(stdout.trim()).toBe(example.reply.body.trim());
      return;
    }
    const status = Number(stdout.slice(stdout.lastIndexOf('\n') + 1));
    const body = stdout.slice(0, stdout.lastIndexOf('\n'));
    expect(status).toBe(example.reply.status);
    if (example.reply.body.trim() === '(no body)') {
      expect(body).toBe('');
      return;
    }
    const actual = JSON.parse(body) as Record<string, unknown>;
    const expected = JSON.parse(example.reply.body) as unknown;
    if (!matchesDocumented(actual, expected)) expect(actual).toEqual(expected); // shows the difference
    if (status === 201 && typeof actual.token === 'string') vars.RUNNER_TOKEN ??= actual.token;
    if (example.command.includes('/tasks/claim') && status === 200 && Array.isArray(actual.tasks)) {
      const [first, second] = actual.tasks as Array<{ id: number; token: string }>;
      Object.assign(vars, { FIRST_TASK_ID: String(first?.id), FIRST_TASK_TOKEN: String(first?.token) });
      Object.assign(vars, { SECOND_TASK_ID: String(second?.id), SECOND_TASK_TOKEN: String(second?.token) });
    } else if (example.command.includes('/tasks/claim') && status === 200) {
      vars.TASK_ID = String(actual.id);
      vars.TASK_TOKEN = String(actual.token);
      vars.TASK_SHA = String(actual.sha);
      vars.RUN_ID = String((actual.run as { id: number }).id);
    }
  });
});
