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
      env: { PLUE_EVENT_TIME_SECONDS: '2', PLUE_EVENT_THREADS: '1', PLUE_RUNNER_REGISTRATION_TOKEN: REGISTRATION_TOKEN, PLUE_PUBLIC_READ: '1' },
    });
    // A runner holding a task of another repository.
    const other = await ensureRepository(db.sql, 'acme', 'light');
    await queueRun(db.sql, other);
    const runner = await registerRunner(service.url, 'healthy');
    const task = (await runner.claim(0))!;

    const work = await createWorkRepo(bare);
    const files = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`.plue/workflows/big${i}.py`, bigWorkflow(i)]));
    const sha = await commitFiles(work, files, 'sixty heavy workflow files');
    await push(work, 'main');

    const eventRow = async () => {
      const [row] = await db.sql<{ status: string; attempts: number; last_error: string | null }[]>`
        select status, attempts, last_error from events where payload->>'after' = ${sha}`;
      return row ?? null;
    };
    const parsing = (row: { status: string; attempts: number } | null) => row?.status === 'pending' && row.attempts >= 1;
    // Rounds in which the API and a heartbeat were both answered while the event was being parsed: had the parse
    // blocked the service, every request sent during it would only be answered once it was over.
    let answeredWhileParsing = 0;
    const event = await waitFor(async () => {
      const before = await eventRow();
      expect((await fetch(`${service!.url}/api/repos/acme/light/runs`)).status).toBe(200);
      await runner.heartbeat(task);
      const after = await eventRow();
      if (parsing(before) && parsing(after)) answeredWhileParsing++;
      return after && after.status !== 'pending' ? after : null;
    }, 'the heavy event to fail', 60_000);
    expect(event.status).toBe('failed');
    expect(event.last_error).toMatch(/^parsing \d+ workflow file\(s\) took longer than its limit of 2 s and was stopped$/);
    expect(answeredWhileParsing).toBeGreaterThan(0);
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
  }, 120_000);
});
