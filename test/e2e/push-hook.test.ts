import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postReceiveHookScript } from '../../server/services/hook-script.js';
import { BIN_PATH } from '../../server/services/service.js';
import type { Service } from '../../server/services/service.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, git, push, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { runsOf, startTestService, waitFor, waitForPushTriggered } from '../support/service.js';

const CI = `from plue import workflow

@workflow(name="CI", on="push")
async def ci(ctx):
    pass
`;

const db = useTestDatabase();
let reposDir: string;
const services: Service[] = [];

beforeAll(async () => {
  reposDir = await createTempDir('plue-repos-');
});

afterAll(async () => {
  for (const s of services) await s.close();
  await removeTempDirs();
});

async function installHook(bare: string, service: Service): Promise<void> {
  const file = path.join(bare, 'hooks', 'post-receive');
  await writeFile(file, service.hookScript);
  await chmod(file, 0o755);
}

async function newRepo(name: string): Promise<{ bare: string; work: string }> {
  const bare = await createBareRepo(path.join(reposDir, 'acme', `${name}.git`));
  const work = await createWorkRepo(bare);
  return { bare, work };
}

describe('post-receive hook', () => {
  it('delivers a push with the watcher off; the run exists right after the push is triggered', async () => {
    const { bare, work } = await newRepo('hooked');
    const service = await startTestService({ databaseUrl: db.url, reposDir, watch: false });
    services.push(service);
    await installHook(bare, service);
    const sha = await commitFiles(work, { '.plue/workflows/ci.py': CI }, 'first');
    await push(work, 'main');
    await waitForPushTriggered(db.sql, 'refs/heads/main', sha);
    const runs = await runsOf(db.sql, 'acme', 'hooked');
    expect(runs.map((r) => [r.workflow_name, r.commit_sha])).toEqual([['CI', sha]]);
    const [event] = await db.sql<{ source: string }[]>`select source from events where payload->>'after' = ${sha}`;
    expect(event?.source).toBe('hook');
    await service.close();
    services.splice(services.indexOf(service), 1);
  });

  it('delivers through `plue-trigger hook post-receive` too (the hook for https addresses)', async () => {
    const { bare, work } = await newRepo('node-hooked');
    const service = await startTestService({ databaseUrl: db.url, reposDir, watch: false });
    services.push(service);
    const script = postReceiveHookScript({ binPath: BIN_PATH, serverUrl: service.url, hookTokenFile: service.hookTokenFile }, 'node');
    expect(script).toContain('hook post-receive');
    await writeFile(path.join(bare, 'hooks', 'post-receive'), script);
    await chmod(path.join(bare, 'hooks', 'post-receive'), 0o755);
    const sha = await commitFiles(work, { '.plue/workflows/ci.py': CI }, 'first push through the node hook');
    await push(work, 'main');
    await waitForPushTriggered(db.sql, 'refs/heads/main', sha);
    expect((await runsOf(db.sql, 'acme', 'node-hooked')).map((r) => r.commit_sha)).toEqual([sha]);
    await service.close();
    services.splice(services.indexOf(service), 1);
  });

  it('writes the bash hook for http addresses and the node one otherwise; neither holds the token', () => {
    const options = { binPath: BIN_PATH, hookTokenFile: "/data/t'ok" };
    const bash = postReceiveHookScript({ ...options, serverUrl: 'http://127.0.0.1:4000' });
    expect(bash).toMatch(/^#!\/usr\/bin\/env bash\n/);
    expect(bash).toContain("token_file='/data/t'\\''ok'");
    expect(postReceiveHookScript({ ...options, serverUrl: 'https://ci.example.com' })).toContain("PLUE_HOOK_TOKEN_FILE='/data/t'\\''ok'");
  });

  it('keeps the token in a file only the service user reads; the installed hook holds no secret and is not world-readable', async () => {
    const reposDir = await createTempDir('plue-demo-repos-');
    const service = await startTestService({ databaseUrl: db.url, reposDir, watch: false, env: { PLUE_DEMO: '1' } });
    services.push(service);
    expect((await stat(service.hookTokenFile)).mode & 0o777).toBe(0o600);
    const hook = path.join(service.demoRepository!, 'hooks', 'post-receive');
    expect((await stat(hook)).mode & 0o007).toBe(0);
    expect(await readFile(hook, 'utf8')).not.toContain(service.hookToken);
    await service.close();
    services.splice(services.indexOf(service), 1);
  });

  it('never fails a push, even when the service is down', async () => {
    const { bare, work } = await newRepo('orphan');
    await writeFile(path.join(bare, 'hooks', 'post-receive'), (await startStoppedHookScript()));
    await chmod(path.join(bare, 'hooks', 'post-receive'), 0o755);
    await commitFiles(work, { 'a.txt': 'a' }, 'a');
    const output = await git(['push', 'origin', 'main'], work);
    expect(output).toBeDefined();
  });
});

describe('exactly once', () => {
  it('the same pushes seen by watcher and hook, and by two services on one database, give one run each', async () => {
    const { bare, work } = await newRepo('twice');
    const a = await startTestService({ databaseUrl: db.url, reposDir });
    const b = await startTestService({ databaseUrl: db.url, reposDir });
    services.push(a, b);
    await installHook(bare, a);
    await waitFor(async () => a.registry.get('acme/twice') && b.registry.get('acme/twice'), 'both services to watch the repository');
    const shas: string[] = [];
    for (let i = 0; i < 8; i++) {
      shas.push(await commitFiles(work, { '.plue/workflows/ci.py': CI, 'n.txt': String(i) }, `push ${i}`));
      await push(work, 'main');
    }
    await git(['checkout', '-q', '-b', 'topic'], work);
    shas.push(await commitFiles(work, { 'topic.txt': 't' }, 'topic'));
    await push(work, 'topic');
    await waitForPushTriggered(db.sql, 'refs/heads/topic', shas.at(-1)!);
    await waitFor(async () => (await db.sql`select 1 from events where status = 'pending'`).length === 0, 'no pending events');
    const runs = await runsOf(db.sql, 'acme', 'twice');
    const perCommit = new Map<string, number>();
    for (const r of runs) perCommit.set(r.commit_sha, (perCommit.get(r.commit_sha) ?? 0) + 1);
    expect([...perCommit.values()].every((n) => n === 1)).toBe(true);
    // Pushes close together may be seen as one update (the watcher lists the refs once), but the last commit of
    // each ref always gets its run.
    expect(perCommit.get(shas[7]!)).toBe(1);
    expect(perCommit.get(shas[8]!)).toBe(1);
    expect(runs.map((r) => r.run_number)).toEqual(runs.map((_, i) => i + 1));
  });

  it('records each ref of a delivery once, in one transaction; a ref on two lines is reconciled from what git has', async () => {
    // A folder of its own: the services of the tests above watch theirs, and would record these pushes first.
    const ownDir = await createTempDir('plue-repos-');
    const bare = await createBareRepo(path.join(ownDir, 'acme', 'lines.git'));
    const work = await createWorkRepo(bare);
    const service = await startTestService({ databaseUrl: db.url, reposDir: ownDir, watch: false });
    services.push(service);
    const base = await commitFiles(work, { '.plue/workflows/ci.py': CI }, 'first');
    await push(work, 'main');
    // Recorded as the watcher would, before the pushes below.
    await service.registry.refsChanged('acme/lines');
    const deliver = (lines: string[]) => service.app.inject({
      method: 'POST', url: '/api/hooks/post-receive',
      headers: { authorization: `Bearer ${service.hookToken}`, 'content-type': 'text/plain' },
      payload: `${bare}\n${lines.join('\n')}\n`,
    });
    const zero = '0'.repeat(40);
    const next = await commitFiles(work, { 'a.txt': 'a' }, 'second');
    await push(work, 'main');
    await push(work, 'main:refs/heads/one');
    await push(work, 'main:refs/heads/two');
    const several = await deliver([`${base} ${next} refs/heads/main`, `${zero} ${next} refs/heads/one`, `${zero} ${next} refs/heads/two`]);
    expect(several.statusCode).toBe(202);
    expect(several.json()).toMatchObject({ events: 3 });
    const third = await commitFiles(work, { 'a.txt': 'b' }, 'third');
    await push(work, 'main');
    // Git never sends a ref twice; a body that does gets the ref's move as git has it, once.
    const doubled = await deliver([`${next} ${third} refs/heads/main`, `${next} ${third} refs/heads/main`]);
    expect(doubled.json()).toMatchObject({ events: 1 });
    const events = await db.sql<{ ref: string; before: string; after: string }[]>`
      select payload->>'ref' as ref, payload->>'before' as before, payload->>'after' as after from events e
      join repositories r on r.id = e.repository_id where r.name = 'lines' order by e.id`;
    expect(events).toEqual([
      { ref: 'refs/heads/main', before: zero, after: base }, // it had no refs when the service found it
      { ref: 'refs/heads/main', before: base, after: next },
      { ref: 'refs/heads/one', before: zero, after: next },
      { ref: 'refs/heads/two', before: zero, after: next },
      { ref: 'refs/heads/main', before: next, after: third },
    ]);
    const [main] = await db.sql<{ sha: string; version: number }[]>`
      select s.sha, s.version from ref_states s join repositories r on r.id = s.repository_id where r.name = 'lines' and s.ref = 'refs/heads/main'`;
    expect(main).toEqual({ sha: third, version: 3 });
  });
});

async function startStoppedHookScript(): Promise<string> {
  const service = await startTestService({ databaseUrl: db.url, reposDir: await createTempDir('plue-empty-'), watch: false });
  const script = service.hookScript;
  await service.close();
  return script;
}

describe('POST /api/hooks/post-receive', () => {
  it.each([
    { name: 'no token', token: null, body: '/x\n', status: 401 },
    { name: 'a wrong token', token: 'nope', body: '/x\n', status: 401 },
    { name: 'a relative path line', token: 'ok', body: 'relative\n', status: 400 },
    { name: 'a malformed update line', token: 'ok', body: `/x\nnot a line\n`, status: 400 },
    { name: 'a repository outside the repositories folder', token: 'ok', body: `/nowhere\n${'a'.repeat(40)} ${'b'.repeat(40)} refs/heads/main\n`, status: 422 },
    { name: 'a hidden repository, which the watcher ignores too', token: 'ok', hidden: true, status: 422 },
    { name: 'JSON with a bad sha', token: 'ok', json: { repository_path: '/x', updates: [{ before: 'x', after: 'y', ref: 'refs/heads/a' }] }, status: 400 },
  ])('answers $status to $name, with an error body', async ({ token, body, json, hidden, status }) => {
    const service = services[0] ?? (await startTestService({ databaseUrl: db.url, reposDir, watch: false }));
    if (!services.includes(service)) services.push(service);
    if (hidden) {
      const bare = await createBareRepo(path.join(reposDir, 'acme', '.copying.git'));
      body = `${bare}\n${'0'.repeat(40)} ${'b'.repeat(40)} refs/heads/main\n`;
    }
    const response = await service.app.inject({
      method: 'POST', url: '/api/hooks/post-receive',
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token === 'ok' ? service.hookToken : token}` }),
        'content-type': json ? 'application/json' : 'text/plain',
      },
      payload: json ? JSON.stringify(json) : body,
    });
    expect(response.statusCode).toBe(status);
    expect(response.json().error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    if (hidden) expect(await db.sql`select 1 from repositories where name like '.%'`).toHaveLength(0);
    if (!hidden) expect(response.body).not.toContain(reposDir); // no error names where the repositories are (only what it was sent)
  });
});
