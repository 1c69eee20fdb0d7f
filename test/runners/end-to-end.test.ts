// The whole path: the service (with its demo repository), a runner registered with the CLI, a push, a green run.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTaskLog } from '../../server/adapters/db/logs.js';
import { STATUS } from '../../server/adapters/db/status.js';
import { runCli } from '../../server/cli/main.js';
import { RunnerClient } from '../../server/runner/client.js';
import { Runner } from '../../server/runner/runner.js';
import type { Service } from '../../server/services/service.js';
import { commitFiles, createTempDir, createWorkRepo, push, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { startTestService, waitFor } from '../support/service.js';

const db = useTestDatabase();
let service: Service;
let runner: Runner | undefined;

beforeAll(async () => {
  const reposDir = await createTempDir('plue-e2e-repos-');
  service = await startTestService({ databaseUrl: db.url, reposDir, env: { PLUE_DEMO: '1', PLUE_RUNNER_REGISTRATION_TOKEN: 'e2e-registration' } });
});
afterAll(async () => {
  await runner?.shutdown(0);
  await service?.close();
  await removeTempDirs();
});

describe('push to the demo repository with a runner attached', () => {
  it('runs CI to success and stores its logs', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const registrationFile = path.join(await createTempDir('plue-e2e-tokens-'), 'registration');
    await writeFile(registrationFile, 'e2e-registration\n', { mode: 0o600 });
    const status = await runCli(
      ['register', '--server', service.url, '--registration-token-file', registrationFile, '--name', 'e2e', '--labels', 'linux,x64'],
      { cwd: process.cwd(), env: {}, out: (l) => out.push(l), err: (l) => err.push(l) },
    );
    expect({ status, err }).toEqual({ status: 0, err: [expect.stringMatching(/^registered runner \d+ "e2e" with labels \[linux, x64\]$/)] });
    expect(out).toEqual([expect.stringMatching(/^plr_/)]);
    runner = new Runner({ client: new RunnerClient(service.url, out[0]!), waitSeconds: 10 });
    runner.start();

    const work = await createWorkRepo(service.demoRepository!);
    const sha = await commitFiles(work, { 'src/greet.py': 'def greet(name):\n    return f"Hello, {name}!"\n\n# touched\n' }, 'touch');
    await push(work, 'main');

    const run = await waitFor(async () => {
      const [row] = await db.sql<{ id: number; status: number }[]>`
        select id, status from workflow_runs where commit_sha = ${sha} and workflow_name = 'CI Pipeline'
          and status in (${STATUS.success}, ${STATUS.failure}, ${STATUS.cancelled})`;
      return row;
    }, 'the CI run to finish');
    const [task] = await db.sql<{ id: number }[]>`
      select t.id from workflow_tasks t join workflow_jobs j on j.id = t.job_id where j.run_id = ${run.id}`;
    const log = (await readTaskLog(db.sql, task!.id)).map((l) => l.content);
    expect({ status: run.status, tail: log.slice(-8) }).toMatchObject({ status: STATUS.success });
    expect(log).toEqual(expect.arrayContaining(["$ python3 -m unittest discover -s src -p 'test_*.py'", 'OK', '[plue] success']));
  });
});
