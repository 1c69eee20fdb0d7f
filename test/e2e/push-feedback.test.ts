import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postReceiveHookScript } from '../../server/services/hook-script.js';
import { BIN_PATH } from '../../server/services/service.js';
import type { Service } from '../../server/services/service.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, pushShowing, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { CI_ON_PUSH, startTestService, waitFor, waitForPushTriggered } from '../support/service.js';

// What the pusher sees: `git push` run as a process, its stderr read as it is, with the hook the service writes.

const CI = CI_ON_PUSH;
const BROKEN = `from plue import workflow

@workflow(name="Broken", on="pushh")
async def broken(ctx):
    pass
`;

const db = useTestDatabase();
const services: Service[] = [];

afterAll(async () => {
  for (const s of services) await s.close();
  await removeTempDirs();
});

async function serviceWithRepo(name: string, env: Record<string, string> = {}, kind: 'fastest' | 'node' = 'fastest') {
  const reposDir = await createTempDir('plue-repos-');
  const bare = await createBareRepo(path.join(reposDir, 'acme', `${name}.git`));
  const work = await createWorkRepo(bare);
  const service = await startTestService({ databaseUrl: db.url, reposDir, env: { PLUE_PUBLIC_READ: '1', ...env } });
  services.push(service);
  const script = kind === 'fastest' ? service.hookScript : postReceiveHookScript({
    binPath: BIN_PATH, serverUrl: service.url, hookTokenFile: service.hookTokenFile, feedbackMs: 2000,
  }, 'node');
  await writeFile(path.join(bare, 'hooks', 'post-receive'), script);
  await chmod(path.join(bare, 'hooks', 'post-receive'), 0o750);
  const [repo] = await db.sql<{ id: number }[]>`select id from repositories where owner = 'acme' and name = ${name}`;
  return { service, bare, work, repositoryId: repo!.id };
}

async function runIdOf(repositoryId: number, runNumber: number): Promise<number> {
  const [run] = await db.sql<{ id: number }[]>`select id from workflow_runs where repository_id = ${repositoryId} and run_number = ${runNumber}`;
  return run!.id;
}

/** git's own lines (progress, `To …`, the ref summary) left out: what the hook printed. */
function remoteLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.startsWith('remote: ')).map((line) => line.slice('remote: '.length).trimEnd());
}

describe('push feedback on remote: lines', () => {
  let url: string;
  let work: string;
  let repositoryId: number;

  beforeAll(async () => {
    const started = await serviceWithRepo('feedback');
    ({ work, repositoryId } = started);
    url = started.service.url.replace(/\/$/, '');
  });

  it('names each run started with its number and its page', async () => {
    await commitFiles(work, { '.plue/workflows/ci.py': CI }, 'first');
    const stderr = await pushShowing(work, 'main');
    const runId = await runIdOf(repositoryId, 1);
    expect(remoteLines(stderr)).toEqual([
      'plue-trigger: main: 1 run started',
      `  #1 CI: ${url}/acme/feedback/runs/${runId}`,
    ]);
  });

  it('shows each error of a broken workflow file as path:line:col: error code: message', async () => {
    await commitFiles(work, { '.plue/workflows/broken.py': BROKEN }, 'a broken workflow');
    const lines = remoteLines(await pushShowing(work, 'main'));
    const runId = await runIdOf(repositoryId, 2);
    expect(lines[0]).toBe('plue-trigger: main: 1 run started, 1 workflow file with errors');
    expect(lines[1]).toBe(`  #2 CI: ${url}/acme/feedback/runs/${runId}`);
    expect(lines.slice(2)).toEqual([expect.stringMatching(/^ {2}\.plue\/workflows\/broken\.py:3:\d+: error unknown-event: .*pushh/)]);
    // What the event record keeps, and the API shows.
    const [event] = await db.sql<{ id: number }[]>`select id from events where repository_id = ${repositoryId} order by id desc limit 1`;
    const record = await (await fetch(`${url}/api/repos/acme/feedback/events/${event!.id}`)).json() as { diagnostics: unknown[] };
    expect(record.diagnostics).toEqual([{
      path: '.plue/workflows/broken.py', line: 3, column: expect.any(Number), severity: 'error', code: 'unknown-event', message: expect.stringContaining('pushh'),
    }]);
  });

  it('says when nothing started, and where to read why', async () => {
    await commitFiles(work, { '.plue/workflows/ci.py': CI.replace('on="push"', 'on="pull_request"'), '.plue/workflows/broken.py': null }, 'no push workflow');
    const lines = remoteLines(await pushShowing(work, 'main'));
    const [event] = await db.sql<{ id: number }[]>`select id from events where repository_id = ${repositoryId} order by id desc limit 1`;
    expect(lines).toEqual([`plue-trigger: main: no workflow started; why: plue-trigger events show acme/feedback ${event!.id} (${url}/acme/feedback/events/${event!.id})`]);
  });

  it('shows the same through the hook for https addresses (`plue-trigger hook post-receive`)', async () => {
    const { service, work: nodeWork, repositoryId: id } = await serviceWithRepo('node-feedback', {}, 'node');
    await commitFiles(nodeWork, { '.plue/workflows/ci.py': CI }, 'first');
    const lines = remoteLines(await pushShowing(nodeWork, 'main'));
    expect(lines).toEqual(['plue-trigger: main: 1 run started', `  #1 CI: ${service.url.replace(/\/$/, '')}/acme/node-feedback/runs/${await runIdOf(id, 1)}`]);
  });

  it('points at the event when the decision takes longer than the bound, and the push still succeeds', async () => {
    const { service, work: slowWork, repositoryId: id } = await serviceWithRepo('slow', { PLUE_HOOK_FEEDBACK_MS: '300' });
    const base = service.url.replace(/\/$/, '');
    const sha = await commitFiles(slowWork, { '.plue/workflows/ci.py': CI }, 'held back');
    // The trigger's lock on the repository, held by the test: the event stays pending until it is let go.
    const lines = await db.sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtextextended('plue-trigger:' || ${id}::text, 0))`;
      return remoteLines(await pushShowing(slowWork, 'main'));
    });
    const [event] = await db.sql<{ id: number }[]>`select id from events where repository_id = ${id} and payload->>'after' = ${sha}`;
    expect(lines).toEqual([
      `plue-trigger: main: not decided within 300 ms; see plue-trigger events show acme/slow ${event!.id} (${base}/acme/slow/events/${event!.id})`,
    ]);
    await waitForPushTriggered(db.sql, 'refs/heads/main', sha);
    await waitFor(async () => (await db.sql`select 1 from workflow_runs where repository_id = ${id}`).length === 1, 'the held-back run');
  });

  it('prints nothing with PLUE_HOOK_FEEDBACK_MS=0', async () => {
    const { work: quietWork } = await serviceWithRepo('quiet', { PLUE_HOOK_FEEDBACK_MS: '0' });
    await commitFiles(quietWork, { '.plue/workflows/ci.py': CI }, 'first');
    expect(remoteLines(await pushShowing(quietWork, 'main'))).toEqual([]);
  });
});
