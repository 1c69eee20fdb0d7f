// kill -9 of the service while a dispatch is between its request and its commit: after a restart, a retry with
// the same Idempotency-Key starts exactly one run (none lost, none twice).
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, push, removeTempDirs } from '../git/fixtures.js';
import { tokenFor } from '../api/support.js';
import { ChildServices, freePort, healthy } from '../support/child-service.js';
import { useTestDatabase } from '../support/db.js';
import { waitFor } from '../support/service.js';

const HOOK = 'from plue import workflow, dispatch\n\n@workflow(name="Hook", on=dispatch())\nasync def hook(ctx):\n    pass\n';

const db = useTestDatabase();
const services = new ChildServices();
const serve = (env: Record<string, string>) => services.serve(env);

afterAll(async () => {
  services.killAll();
  await removeTempDirs();
});

describe('kill -9 between a dispatch request and its commit', () => {
  it('a retry with the same Idempotency-Key after the restart starts exactly one run', async () => {
    const reposDir = await createTempDir('plue-repos-');
    const dataDir = await createTempDir('plue-data-');
    const bare = await createBareRepo(path.join(reposDir, 'acme', 'handoff.git'));
    const work = await createWorkRepo(bare);
    await commitFiles(work, { '.plue/workflows/hook.py': HOOK }, 'hook');
    await push(work, 'main');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = { DATABASE_URL: db.url, PLUE_REPOS_DIR: reposDir, PLUE_DATA_DIR: dataDir, PLUE_DEMO: '0', PORT: String(port), HOST: '127.0.0.1' };
    const token = await tokenFor(db.sql, 'repo:acme/handoff');
    const dispatch = () => fetch(`${url}/api/repos/acme/handoff/workflows/Hook/dispatches`, {
      method: 'POST',
      headers: { 'authorization': `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': 'crash-1' },
      body: JSON.stringify({ payload: { n: 1 }, context: { 'notes.md': 'hi' } }),
    });

    const first = serve(env);
    const firstExited = new Promise((resolve) => first.once('exit', resolve));
    await waitFor(() => healthy(url), 'the first service to answer');
    const [repo] = await waitFor(async () => {
      const rows = await db.sql<{ id: number }[]>`select id from repositories where name = 'handoff'`;
      return rows.length > 0 ? rows : null;
    }, 'the repository to be registered');

    // The run counter's row lock is what the dispatch's transaction waits for, after its event is inserted.
    const holder = await db.sql.reserve();
    try {
      await holder`begin`;
      await holder`select next_run_number from repository_counters where repository_id = ${repo!.id} for update`;
      const inFlight = dispatch().then((r) => r.status, () => 'gone');
      await waitFor(async () => (await db.sql`
        select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like '%repository_counters%' and pid <> pg_backend_pid()`).length > 0,
      'the dispatch to wait for the run counter');
      first.kill('SIGKILL');
      await firstExited;
      expect(await inFlight).toBe('gone');
    } finally {
      await holder`rollback`;
      holder.release();
    }
    // Its transaction never committed: nothing of it is left.
    await waitFor(async () => (await db.sql`
      select 1 from pg_stat_activity where query like '%repository_counters%' and state <> 'idle' and pid <> pg_backend_pid()`).length === 0,
    'the killed service\'s transaction to end');
    expect(await db.sql`select id from events where dedup_key = 'dispatch:crash-1'`).toEqual([]);

    serve(env);
    await waitFor(() => healthy(url), 'the restarted service to answer');
    const retried = await dispatch();
    expect(retried.status).toBe(201);
    const made = (await retried.json()) as { run_id: number; context_files: string[] };
    const again = await dispatch();
    expect(again.status).toBe(201);
    expect(((await again.json()) as { run_id: number }).run_id).toBe(made.run_id);

    const runs = await db.sql<{ id: number }[]>`select r.id from workflow_runs r join events e on e.id = r.event_id where e.dedup_key = 'dispatch:crash-1'`;
    expect(runs.map((r) => r.id)).toEqual([made.run_id]);
    expect(await db.sql`select count(*)::int as n from workflow_runs where repository_id = ${repo!.id}`).toEqual([{ n: 1 }]);
    expect(await db.sql`select name from event_context_files f join events e on e.id = f.event_id where e.dedup_key = 'dispatch:crash-1'`)
      .toEqual([{ name: 'notes.md' }]);
  }, 60_000);
});
