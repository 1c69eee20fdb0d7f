// The CLI over the API: plue-trigger token, workflows, runs, dispatch and logs, against a real listening service.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandIO } from '../../server/cli/io.js';
import { runCli } from '../../server/cli/main.js';
import { RunnerClient } from '../../server/runner/client.js';
import type { Service } from '../../server/services/service.js';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createTempDir, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { createApiRepo, startApiService, tokenFor } from './support.js';
import type { ApiRepo } from './support.js';

const db = useTestDatabase();
let service: Service;
let repo: ApiRepo;
let env: Record<string, string>;

async function cli(argv: string[], extraEnv: Record<string, string> = {}): Promise<{ status: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIO = { cwd: process.cwd(), env: { ...env, ...extraEnv }, out: (l) => out.push(l), err: (l) => err.push(l) };
  const status = await runCli(argv, io);
  return { status, out: out.join('\n'), err: err.join('\n') };
}

beforeAll(async () => {
  repo = await createApiRepo();
  service = await startApiService(db.url, repo);
  env = { PLUE_URL: service.url, PLUE_TOKEN: await tokenFor(db.sql, 'repo:acme/app') };
});
afterAll(async () => {
  await service?.close();
  await removeTempDirs();
});

describe('plue-trigger workflows', () => {
  it('lists the workflows as a table, or the reply with --json', async () => {
    const { status, out } = await cli(['workflows', 'list', 'acme/app']);
    expect(status).toBe(0);
    expect(out.split('\n')[0]).toMatch(/^ID +NAME +STATE +EVENTS +PATH$/);
    expect(out).toMatch(/Deploy +active +manual +\.plue\/workflows\/deploy\.py/);
    const json = await cli(['workflows', 'list', 'acme/app', '--json']);
    expect(JSON.parse(json.out).workflows).toHaveLength(7);
  });

  it('shows one workflow', async () => {
    const { status, out } = await cli(['workflows', 'show', 'acme/app', 'deploy.py']);
    expect(status).toBe(0);
    expect(out).toMatch(/^Deploy \(id \d+, active\)/);
  });
});

describe('plue-trigger dispatch, runs and logs', () => {
  let runId = 0;

  it('starts a workflow with inputs', async () => {
    const { status, out } = await cli(['dispatch', 'acme/app', 'deploy.py', '--ref', 'main', '--input', 'replicas=3', '--input', 'environment=production']);
    expect(status).toBe(0);
    const match = /^run (\d+) \(#\d+\) queued: Deploy at refs\/heads\/main \(([0-9a-f]{7})\)$/.exec(out);
    expect(match?.[2]).toBe(repo.shas.main.slice(0, 7));
    runId = Number(match![1]);
    const json = await cli(['dispatch', 'acme/app', 'Deploy', '--input', 'replicas=1', '--json']);
    expect(JSON.parse(json.out)).toMatchObject({ status: 'waiting', inputs: { replicas: 1, environment: 'staging' } });
  });

  it('dispatches a workflow with a payload and context files from files and a folder; runs show prints its parent and children', async () => {
    const dir = await createTempDir('plue-cli-context-');
    await mkdir(path.join(dir, 'ctx'));
    await writeFile(path.join(dir, 'ctx', 'a.md'), '# a\n');
    await writeFile(path.join(dir, 'ctx', 'b.txt'), 'b');
    await writeFile(path.join(dir, 'one.txt'), 'one');
    await writeFile(path.join(dir, 'payload.json'), '{"release": "1.2"}');
    const { status, out } = await cli(['dispatch', 'acme/app', 'Hook', '--payload', `@${path.join(dir, 'payload.json')}`,
      '--context-file', `notes.md=${path.join(dir, 'one.txt')}`, '--context-dir', path.join(dir, 'ctx')]);
    expect({ status, out }).toMatchObject({ status: 0, out: expect.stringMatching(/^run (\d+) \(#\d+\) queued: Hook at refs\/heads\/main \([0-9a-f]{7}\) with 3 context file\(s\)$/) });
    const child = Number(/^run (\d+)/.exec(out)![1]);
    const [run] = await db.sql<Array<{ event_payload: { payload: unknown; context_files: string[] } }>>`select event_payload from workflow_runs where id = ${child}`;
    expect(run!.event_payload).toMatchObject({ payload: { release: '1.2' }, context_files: ['a.md', 'b.txt', 'notes.md'] });

    await db.sql`update workflow_runs set parent_run_id = ${runId}, depth = 1 where id = ${child}`;
    expect((await cli(['runs', 'show', 'acme/app', String(child), '--id'])).out).toContain(`  parent:   run ${runId} (depth 1)`);
    expect((await cli(['runs', 'show', 'acme/app', '--id', String(runId)])).out).toMatch(new RegExp(`  started:  run ${child} \\(#\\d+\\) Hook: waiting`));
  });

  it('refuses subfolders and files that are not UTF-8 in a context folder, and a bad name through the service', async () => {
    const dir = await createTempDir('plue-cli-context-');
    await mkdir(path.join(dir, 'sub'));
    const sub = await cli(['dispatch', 'acme/app', 'Hook', '--context-dir', dir]);
    expect(sub).toMatchObject({ status: 2, err: expect.stringContaining(`${path.join(dir, 'sub')} is a folder; --context-dir takes only the plain files directly inside`) });
    await writeFile(path.join(dir, 'bin.dat'), Buffer.from([0xff, 0xfe, 0x00]));
    const binary = await cli(['dispatch', 'acme/app', 'Hook', '--context-file', `x=${path.join(dir, 'bin.dat')}`]);
    expect(binary).toMatchObject({ status: 2, err: expect.stringContaining('bin.dat is not UTF-8 text') });
    const bad = await cli(['dispatch', 'acme/app', 'Hook', '--context-file', `../x=${path.join(dir, 'bin.dat')}`.replace('bin.dat', 'none')]);
    expect(bad.status).not.toBe(0);
    await writeFile(path.join(dir, 'ok.txt'), 'ok');
    const refused = await cli(['dispatch', 'acme/app', 'Hook', '--context-file', `../x=${path.join(dir, 'ok.txt')}`]);
    expect(refused).toMatchObject({ status: 1, err: expect.stringContaining('context file "../x": the name holds a path separator') });
    expect((await cli(['dispatch', 'acme/app', 'Hook', '--payload', '{nope'])).status).toBe(2);
  });

  it('says when an idempotency key found an earlier run', async () => {
    const first = await cli(['dispatch', 'acme/app', 'Lint', '--idempotency-key', 'cli-1']);
    const again = await cli(['dispatch', 'acme/app', 'Lint', '--idempotency-key', 'cli-1']);
    expect(again.out).toBe(`${first.out} (already started by an earlier request with this key)`);
  });

  it('prints the refusal and each problem, and exits 1', async () => {
    const { status, out, err } = await cli(['dispatch', 'acme/app', 'deploy.py', '--input', 'replicas=many', '--input', 'color=red']);
    expect(status).toBe(1);
    expect(out).toBe('');
    expect(err.split('\n')).toEqual([
      expect.stringMatching(/^plue-trigger: .* \(HTTP 422 invalid_inputs\)$/),
      expect.stringMatching(/^ {2}- inputs\.color: the workflow has no input `color`/),
      '  - inputs.replicas: input `replicas` must be a number, got "many"',
    ]);
  });

  it('lists runs with filters', async () => {
    const { status, out, err } = await cli(['runs', 'list', 'acme/app', '--workflow', 'Deploy', '--per-page', '1']);
    expect(status).toBe(0);
    expect(out.split('\n')).toHaveLength(2);
    expect(out.split('\n')[1]).toMatch(/^\d+ +#\d+ +waiting +Deploy +manual +main +[0-9a-f]{7} /);
    expect(err).toBe('1 of 2 run(s)');
    const json = await cli(['runs', 'list', 'acme/app', '--status', 'waiting', '--json']);
    expect(JSON.parse(json.out).total_count).toBe(4); // Deploy twice, Lint, Hook
  });

  it('shows, cancels and re-runs a run', async () => {
    const shown = await cli(['runs', 'show', 'acme/app', String(runId), '--id']);
    expect(shown.out).toContain(`run ${runId} (#`);
    expect(shown.out).toContain('inputs:   {"dry_run":true,"replicas":3,"environment":"production"}');
    expect(shown.out).toMatch(/attempt 1 \(task \d+\): waiting/);
    const cancelled = await cli(['runs', 'cancel', 'acme/app', String(runId), '--id']);
    expect(cancelled.out).toMatch(/^run \d+ \(#\d+\) cancelled$/);
    expect((await cli(['runs', 'show', 'acme/app', String(runId), '--id'])).out).toContain('  why:      cancelled on request');
    const again = await cli(['runs', 'cancel', 'acme/app', String(runId), '--id']);
    expect(again).toMatchObject({ status: 1, err: expect.stringContaining('(HTTP 409 run_finished)') });
    const rerun = await cli(['runs', 'rerun', 'acme/app', String(runId), '--id']);
    expect(rerun.out).toMatch(new RegExp(`^run \\d+ \\(#\\d+\\) queued: attempt 2, re-running run ${runId}$`));
  });

  it("prints a run's logs", async () => {
    // Only the re-run of Deploy should be left waiting once the others are cancelled.
    for (const r of JSON.parse((await cli(['runs', 'list', 'acme/app', '--status', 'waiting', '--json'])).out).runs.slice(1)) {
      await cli(['runs', 'cancel', 'acme/app', `#${r.run_number}`]);
    }
    const runner = new RunnerClient(service.url, (await RunnerClient.register(service.url, service.runners.settings.registrationToken, { name: 'cli', labels: [] })).token);
    const task = (await runner.claim(5))!;
    await runner.logs(task, 'deploy', ['deploying', 'done'], 0);
    await runner.finish(task, 'success');
    const { status, out } = await cli(['logs', 'acme/app', String(task.run.id), '--id']);
    expect(status).toBe(0);
    expect(out).toBe('deploying\ndone');
    const number = JSON.parse((await cli(['runs', 'show', 'acme/app', String(task.run.id), '--id', '--json'])).out).run_number;
    expect(JSON.parse((await cli(['logs', 'acme/app', `#${number}`, '--json'])).out).tasks[0].lines).toHaveLength(2);
  });
});

describe('errors and usage', () => {
  it.each([
    [['runs', 'list'], /runs list takes OWNER\/REPO/],
    [['runs', 'list', 'acme'], /expected OWNER\/REPO, got "acme"/],
    [['runs', 'show', 'acme/app', 'abc'], /RUN must be a positive integer/],
    [['runs', 'frob', 'acme/app'], /unknown runs command/],
    [['runs', 'shwo', 'acme/app', '1'], /Did you mean `show`\?/],
    [['runs', 'list', 'acme/app', '--status', 'sucess'], /--status must be one of unknown, success, .*, not "sucess"\. Did you mean `success`\?/],
    [['events', 'list', 'acme/app', '--status', 'faild'], /Did you mean `failed`\?/],
    [['workflows', 'list', 'acme/app', '--state', 'actve'], /--state must be one of active, invalid, deleted, not "actve"\. Did you mean `active`\?/],
    [['dispatch', 'acme/app', 'deploy.py', '--input', 'novalue'], /--input must be NAME=VALUE/],
    [['dispatch', 'acme/app'], /dispatch takes OWNER\/REPO WORKFLOW/],
    [['workflows', 'list', 'acme'], /expected OWNER\/REPO/],
    [['logs', 'acme/app', '1', '--attempt', '0'], /--attempt must be a positive integer/],
    [['token', 'create'], /--scope is required/],
  ])('exits 2 on bad usage: %j', async (argv, message) => {
    const { status, err } = await cli(argv);
    expect(status).toBe(2);
    expect(err).toMatch(message);
  });

  it('exits 1 with one line without a token, or when the server is not there', async () => {
    const noToken = await cli(['runs', 'list', 'acme/app'], { PLUE_TOKEN: '' });
    expect(noToken.status).toBe(1);
    expect(noToken.err.split('\n')).toEqual([
      'plue-trigger: missing or invalid bearer token (HTTP 401 unauthorized)',
      expect.stringMatching(/^hint: no token was given: export PLUE_TOKEN=\$\(plue-trigger token create --scope admin\)/),
    ]);
    const badToken = await cli(['runs', 'list', 'acme/app'], { PLUE_TOKEN: 'pla_wrong' });
    expect(badToken.err).toMatch(/\nhint: send an API token as `Authorization: Bearer <token>`; make one .* `plue-trigger token create --scope repo:OWNER\/NAME`/);
    const down = await cli(['runs', 'list', 'acme/app', '--server', 'http://127.0.0.1:1']);
    expect(down.status).toBe(1);
    expect(down.err).toMatch(/^plue-trigger: cannot reach http:\/\/127\.0\.0\.1:1: /);
  });
});

describe('plue-trigger token', () => {
  it('creates a token once, lists it, and revokes it', async () => {
    const dbEnv = { DATABASE_URL: db.url, PLUE_LOG_LEVEL: 'silent' };
    const created = await cli(['token', 'create', '--scope', 'repo:acme/app', '--read-only', '--name', 'ci'], dbEnv);
    expect(created.status).toBe(0);
    expect(created.out).toMatch(/^pla_[A-Za-z0-9_-]{43}$/);
    expect(created.err).toMatch(/^created API token (\d+) \(repo:acme\/app, read-only\); it is shown only now:$/);
    const id = /token (\d+)/.exec(created.err)![1]!;
    expect((await cli(['workflows', 'list', 'acme/app'], { PLUE_TOKEN: created.out })).status).toBe(0);
    expect((await cli(['runs', 'rerun', 'acme/app', '1'], { PLUE_TOKEN: created.out })).err).toContain('(HTTP 403 forbidden)');
    const listed = await cli(['token', 'list'], dbEnv);
    expect(listed.out).toMatch(new RegExp(`^${id} +repo:acme/app +read +ci `, 'm'));
    expect(listed.out).not.toContain(created.out);
    const [stored] = await db.sql<{ token_hash: string }[]>`select token_hash from api_tokens where id = ${Number(id)}`;
    expect(stored!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await cli(['token', 'revoke', id], dbEnv)).status).toBe(0);
    expect((await cli(['workflows', 'list', 'acme/app'], { PLUE_TOKEN: created.out })).status).toBe(1);
    expect((await cli(['token', 'revoke', id], dbEnv))).toMatchObject({ status: 1, err: `plue-trigger: no live API token ${id}` });
  });

  it.each([['bogus'], ['repo:acme'], ['repo:a/b/c']])('refuses the scope %s', async (scope) => {
    const { status, err } = await cli(['token', 'create', '--scope', scope], { DATABASE_URL: db.url });
    expect(status).toBe(2);
    expect(err).toMatch(/scope must be `admin` or `repo:OWNER\/NAME`/);
  });
});

describe('plue-trigger statuses', () => {
  it("shows a commit's combined status and the latest status of each context", async () => {
    const { status, out, err } = await cli(['statuses', 'acme/app', 'main']);
    expect(status).toBe(0);
    expect(out.split('\n')[0]).toMatch(/^STATE +CONTEXT +DESCRIPTION +TARGET$/);
    expect(out).toMatch(/^\w+ +plue\/Deploy \(manual\) +.+ +http:\/\/.+\/api\/repos\/acme\/app\/runs\/\d+$/m);
    expect(err).toMatch(/^(pending|success|failure) at [0-9a-f]{7}: \d+ context\(s\)$/);
    expect(JSON.parse((await cli(['statuses', 'acme/app', 'main', '--json'])).out)).toMatchObject({ sha: expect.any(String), statuses: expect.any(Array) });
    expect(await cli(['statuses', 'acme/app', 'nope'])).toMatchObject({ status: 1, err: expect.stringContaining('(HTTP 422 unknown_ref)') });
  });
});

describe('plue-trigger audit and events', () => {
  it('lists the audit trail: runs cancelled and re-run by their tokens, tokens made and revoked', async () => {
    const { status, out, err } = await cli(['audit', 'acme/app']);
    expect(status).toBe(0);
    expect(out.split('\n')[0]).toMatch(/^ID +WHEN +KIND +WHO +SUBJECT +DETAIL$/);
    // Detail keys come back in jsonb's order (shortest first).
    expect(out).toMatch(/ run\.cancelled +token \d+ +run_id=\d+ +reason=cancelled on request$/m);
    expect(out).toMatch(/ run\.rerun +token \d+ +run_id=\d+ rerun_of=\d+ +status=waiting run_number=\d+ run_attempt=2$/m);
    expect(out).toMatch(/ token\.created +token-cli +token_id=\d+ +name=ci scope=repo:acme\/app read_only=true$/m);
    expect(out).toMatch(/ token\.revoked +token-cli +token_id=\d+ +name=ci scope=repo:acme\/app read_only=true$/m);
    expect(err).toMatch(/^\d+ of \d+ row\(s\)$/);
    const json = JSON.parse((await cli(['audit', 'acme/app', '--kind', 'run.rerun', '--json'])).out);
    expect(json.total_count).toBe(1);
    expect(json.audit[0]).toMatchObject({ kind: 'run.rerun', actor: { token_id: expect.any(Number) }, subject: { rerun_of: expect.any(Number) } });
    // Newest first, through the API too.
    const all = JSON.parse((await cli(['audit', 'acme/app', '--json'])).out).audit as Array<{ id: number }>;
    expect(all.map((a) => a.id)).toEqual([...all.map((a) => a.id)].sort((a, b) => b - a));
  });

  it('lists events, and refuses a retry without an admin token', async () => {
    const { status, out } = await cli(['events', 'acme/app', '--status', 'processed']);
    expect(status).toBe(0);
    expect(out.split('\n')[0]).toMatch(/^ID +EVENT +STATUS +SOURCE +ATTEMPTS +RECEIVED +RUNS +ERROR$/);
    expect(out).toMatch(/^\d+ +manual +processed +api +0 /m);
    const id = JSON.parse((await cli(['events', 'acme/app', '--json'])).out).events[0].event_id;
    expect(await cli(['events', 'retry', 'acme/app', String(id)])).toMatchObject({ status: 1, err: expect.stringContaining('(HTTP 403 forbidden)') });
    const admin = await tokenFor(db.sql, 'admin');
    expect(await cli(['events', 'retry', 'acme/app', String(id)], { PLUE_TOKEN: admin }))
      .toMatchObject({ status: 1, err: expect.stringContaining('(HTTP 409 event_not_failed)') });
    expect((await cli(['events', 'retry', 'acme/app'])).status).toBe(2);
  });
});
