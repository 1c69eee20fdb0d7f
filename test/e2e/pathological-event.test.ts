// An event whose workflows take longer to parse than the budget allows: it fails with a clear error, and
// meanwhile the API answers at once and a runner on another repository keeps its lease.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Service } from '../../server/services/service.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, push, removeTempDirs } from '../git/fixtures.js';
import { REGISTRATION_TOKEN, ensureRepository, queueRun, registerRunner } from '../runners/support.js';
import { useTestDatabase } from '../support/db.js';
import { startTestService, waitFor } from '../support/service.js';

const db = useTestDatabase();
let service: Service | undefined;
afterAll(async () => {
  await service?.close();
  await removeTempDirs();
});

/** A valid workflow file of about 250 KB: a few hundred milliseconds of parsing each. */
const bigWorkflow = (i: number) =>
  `from plue import workflow\n\n@workflow(name="Big${i}", on="push")\ndef big${i}(ctx):\n${'    x = [1, 2, 3, 4, 5, 6, 7, 8, 9]\n'.repeat(7000)}`;

describe('a pathological event', () => {
  it('fails past its time budget, while the API answers and a runner elsewhere keeps its lease', async () => {
    const reposDir = await createTempDir('plue-repos-');
    const bare = await createBareRepo(path.join(reposDir, 'acme', 'heavy.git'));
    service = await startTestService({
      databaseUrl: db.url, reposDir,
      env: { PLUE_EVENT_TIME_SECONDS: '1', PLUE_EVENT_THREADS: '1', PLUE_RUNNER_REGISTRATION_TOKEN: REGISTRATION_TOKEN, PLUE_PUBLIC_READ: '1' },
    });
    // A runner holding a task of another repository.
    const other = await ensureRepository(db.sql, 'acme', 'light');
    await queueRun(db.sql, other);
    const runner = await registerRunner(service.url, 'healthy');
    const task = (await runner.claim(0))!;

    const work = await createWorkRepo(bare);
    const files = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`.plue/workflows/big${i}.py`, bigWorkflow(i)]));
    const sha = await commitFiles(work, files, 'thirty heavy workflow files');
    await push(work, 'main');

    const slowest = { api: 0, heartbeat: 0 };
    const failed = async () => {
      const [row] = await db.sql<{ status: string; last_error: string | null }[]>`
        select status, last_error from events where payload->>'after' = ${sha} and status <> 'pending'`;
      return row ?? null;
    };
    const event = await waitFor(async () => {
      let started = performance.now();
      expect((await fetch(`${service!.url}/api/repos/acme/light/runs`)).status).toBe(200);
      slowest.api = Math.max(slowest.api, performance.now() - started);
      started = performance.now();
      await runner.heartbeat(task);
      slowest.heartbeat = Math.max(slowest.heartbeat, performance.now() - started);
      return failed();
    }, 'the heavy event to fail', 60_000);
    expect(event.status).toBe('failed');
    expect(event.last_error).toMatch(/^parsing \d+ workflow file\(s\) took longer than its limit of 1 s and was stopped$/);
    // Generous bounds: a blocked event loop would hold these for the whole parse.
    expect(slowest.api).toBeLessThan(1000);
    expect(slowest.heartbeat).toBeLessThan(1000);
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
  }, 120_000);
});
