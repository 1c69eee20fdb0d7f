// Runs the request examples of docs/runners.md's "Tasks completed by an external system" with curl, in order: a
// runner holds a task and hands it off, the outside completes it, and a different completion is refused.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../support/db.js';
import { examplesOf, matchesDocumented } from '../support/doc-examples.js';
import { ensureRepository, queueRun, registerRunner, startRunnerServer } from './support.js';
import type { RunnerServer } from './support.js';

const run = promisify(execFile);
const SECTION = 'Tasks completed by an external system';
const examples = examplesOf(readFileSync(new URL('../../docs/runners.md', import.meta.url), 'utf8'))
  .filter((e) => e.title.startsWith(`${SECTION}:`));
const db = useTestDatabase();
let server: RunnerServer;
const vars: Record<string, string> = {};

beforeAll(async () => {
  server = await startRunnerServer(db.sql, { pollMs: 0 });
  await queueRun(db.sql, await ensureRepository(db.sql));
  const task = await (await registerRunner(server.url, 'docs')).claim(5);
  if (task === null) throw new Error('no task');
  Object.assign(vars, { PLUE_URL: server.url, TASK_ID: String(task.id), TASK_TOKEN: task.token });
});
afterAll(async () => {
  await server?.close();
});

describe(`docs/runners.md: ${SECTION}`, () => {
  it('has examples of the handoff and completion routes', () => {
    expect(examples.map((e) => e.title)).toEqual([
      `${SECTION}: POST /api/runners/tasks/$TASK_ID/handoff → 202`,
      `${SECTION}: POST /api/tasks/$TASK_ID/complete → 200`,
      `${SECTION}: POST /api/tasks/$TASK_ID/fail → 409`,
    ]);
  });

  it.each(examples.map((e) => [e.title, e] as const))('%s', async (_title, example) => {
    const { stdout } = await run('bash', ['-o', 'pipefail', '-c', `${example.command} -w '\\n%{http_code}'`], { env: { PATH: process.env.PATH, ...vars } });
    expect(Number(stdout.slice(stdout.lastIndexOf('\n') + 1))).toBe(example.reply.status);
    const actual = JSON.parse(stdout.slice(0, stdout.lastIndexOf('\n'))) as Record<string, unknown>;
    // `<id>` inside a longer text (a URL, a message) is the task's id.
    const expected = JSON.parse(example.reply.body.replaceAll('/<id>/', `/${vars.TASK_ID}/`).replaceAll('task <id> ', `task ${vars.TASK_ID} `)) as unknown;
    if (!matchesDocumented(actual, expected)) expect(actual).toEqual(expected);
    if (typeof actual.completion_token === 'string') vars.COMPLETION_TOKEN = actual.completion_token;
  });
});
