// The CLI's behaviours, each run as a real process (bin/plue-trigger.js, built), against a real service where it
// needs one: help and versions, exit codes, "did you mean", run numbers, logs --follow, runners, events, errors.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../server/cli/main.js';
import { RunnerClient } from '../../server/runner/client.js';
import type { Service } from '../../server/services/service.js';
import { BIN_PATH } from '../../server/package-root.js';
import { tokenFor } from '../api/support.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, git, push, removeTempDirs } from '../git/fixtures.js';
import { runBin } from '../support/cli-process.js';
import { useTestDatabase } from '../support/db.js';
import { startTestService, waitFor } from '../support/service.js';

const db = useTestDatabase();
let service: Service;
let reposDir: string;
let cwd: string;
let env: Record<string, string>;
let admin: string;

const workflow = (name: string, on: string, extra = '') =>
  `from plue import workflow, manual, pull_request\n\n\n@workflow(name="${name}", on=${on}${extra})\nasync def ${name.toLowerCase()}(ctx):\n    pass\n`;

beforeAll(async () => {
  reposDir = await createTempDir('plue-cli-process-');
  const work = await createWorkRepo(await createBareRepo(path.join(reposDir, 'acme', 'app.git')));
  await commitFiles(work, {
    '.plue/workflows/build.py': workflow('Build', 'manual()'),
    '.plue/workflows/train.py': workflow('Train', 'manual()', ', runs_on=["gpu"]'),
    '.plue/workflows/review.py': workflow('Review', 'pull_request(branches=["main"])'),
    '.plue/workflows/broken.py': workflow('Broken', '"pushh"'),
  }, 'workflows');
  await push(work, 'main');
  await git(['checkout', '-q', '-b', 'topic'], work);
  await commitFiles(work, { 'a.txt': 'a\n' }, 'topic');
  await push(work, 'topic');
  service = await startTestService({ databaseUrl: db.url, reposDir, watch: false });
  cwd = await createTempDir('plue-cli-cwd-');
  admin = await tokenFor(db.sql, 'admin');
  env = { PLUE_URL: service.url, PLUE_TOKEN: await tokenFor(db.sql, 'repo:acme/app') };
});
afterAll(async () => {
  await service?.close();
  await removeTempDirs();
});

const cli = (argv: string[], extraEnv: Record<string, string> = {}, dir = cwd) => runBin(argv, { cwd: dir, env: { ...env, ...extraEnv } });

describe('help, version and exit codes', () => {
  it('prints its version', async () => {
    const { version } = JSON.parse(await import('node:fs/promises').then((fs) => fs.readFile(path.join(path.dirname(BIN_PATH), '..', 'package.json'), 'utf8')));
    for (const flag of ['--version', '-V']) expect(await cli([flag])).toMatchObject({ status: 0, stdout: `plue-trigger ${version}\n` });
  });

  it('prints every command\'s help and exits 0 without starting anything', async () => {
    const data = path.join(cwd, 'no-data-here');
    // Nothing may start: no database reachable, and a data folder that must stay absent.
    const quiet = { PLUE_DATA_DIR: data, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' };
    const names = Object.keys(COMMANDS);
    expect(names).toEqual(expect.arrayContaining(['serve', 'migrate', 'hook', 'runners', 'completion', 'events']));
    const results = await Promise.all(names.map((name) => cli([name, '--help'], quiet)));
    results.forEach((result, i) => {
      const name = names[i]!;
      expect({ name, status: result.status }).toEqual({ name, status: 0 });
      expect(result.stdout).toMatch(new RegExp(`^usage: plue-trigger ${name}\\b`));
    });
    for (const other of [['serve', '-h'], ['help', 'serve']]) expect((await cli(other, quiet)).stdout).toMatch(/^usage: plue-trigger serve\n/);
    expect(existsSync(data)).toBe(false);
  });

  it.each([
    [['rusn', 'list'], 2, /unknown command "rusn"\. Did you mean `runs`\?/],
    [['match', '--event', 'pushh'], 2, /--event must be one of push, .*, not "pushh"\. Did you mean `push`\?/],
    [['runs', 'list', 'acme/app', '--status', 'sucess'], 2, /Did you mean `success`\?/],
    [['runs', 'lsit', 'acme/app'], 2, /unknown runs command "lsit"; use list, show, cancel, rerun\. Did you mean `list`\?/],
    [['events', 'send', 'acme/app', '--event', 'pull_reqest'], 2, /Did you mean `pull_request`\?/],
    [['events', 'send', 'acme/app', '--event', 'issue', '--action', 'opend'], 2, /--action of an issue must be one of .* Did you mean `opened`\?/],
    [['workflows', 'list', 'acme/app', '--state', 'invaild'], 2, /Did you mean `invalid`\?/],
    [['completion', 'bsah'], 2, /Did you mean `bash`\?/],
    [['audit', 'acme/app', '--kind', 'run.cancel'], 2, /--kind must be one of .* Did you mean `run\.cancelled`\?/],
    [['token', 'crate'], 2, /unknown token command "crate"; use create, list, revoke\. Did you mean `create`\?/],
    [['runs', 'show', 'acme/app'], 2, /runs show takes OWNER\/REPO RUN/],
    [['check'], 1, /no \.plue\/workflows folder in .* run this there, or name the files or folders to read/],
    [['runs', 'list', 'acme/app', '--server', 'http://127.0.0.1:1'], 1, /cannot reach http:\/\/127\.0\.0\.1:1/],
    [['runs', 'show', 'acme/app', '999'], 1, /acme\/app has no run #999 \(give --id for a run id\)/],
    [['dispatch', 'acme/app', 'Biuld'], 1, /no workflow `Biuld` at refs\/heads\/main\. Did you mean `Build`\? \(HTTP 404 workflow_not_found\)/],
  ])('%j exits %i', async (argv, status, message) => {
    const result = await cli(argv);
    expect(result.stderr).toMatch(message);
    expect(result.status).toBe(status);
  });

  it('finds the repository\'s workflows from a folder below its top, and lints them', async () => {
    const repo = await createTempDir('plue-cli-check-');
    await git(['init', '-q'], repo);
    await mkdir(path.join(repo, '.plue', 'workflows'), { recursive: true });
    await mkdir(path.join(repo, 'src', 'deep'), { recursive: true });
    await writeFile(path.join(repo, '.plue', 'workflows', 'ci.py'), workflow('CI', 'manual()'));
    const result = await cli(['check', '--json'], {}, path.join(repo, 'src', 'deep'));
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout).files.map((f: { path: string }) => f.path)).toEqual(['../../.plue/workflows/ci.py']);
  });

  it('prints --json where it prints data', async () => {
    expect(JSON.parse((await cli(['workflows', 'list', 'acme/app', '--json'])).stdout).workflows).toHaveLength(4);
    expect(JSON.parse((await cli(['migrate', '--json'], { DATABASE_URL: db.url })).stdout)).toEqual({ applied: [] });
  });
});

describe('completion', () => {
  it('completes commands, subcommands and flags in bash', async () => {
    const script = (await cli(['completion', 'bash'])).stdout;
    const complete = async (...words: string[]) => {
      const { stdout } = await promisify(execFile)('bash', ['-c', `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _plue_trigger; echo "\${COMPREPLY[*]}"`]);
      return stdout.trim().split(' ');
    };
    expect(await complete('plue-trigger', 'ru')).toEqual(['runner', 'runs', 'runners']);
    expect(await complete('plue-trigger', 'runs', 's')).toEqual(['show']);
    expect(await complete('plue-trigger', 'logs', 'acme/app', '1', '--f')).toEqual(['--follow']);
    expect(await complete('plue-trigger', 'events', '')).toEqual(['list', 'show', 'send', 'retry']);
    expect(await complete('plue-trigger', 'completion', '')).toEqual(['bash', 'zsh', 'fish']);
    // The values of a flag that takes one of a list.
    expect(await complete('plue-trigger', 'runs', 'list', 'acme/app', '--status', 's')).toEqual(['success', 'skipped']);
    expect(await complete('plue-trigger', 'events', 'list', 'acme/app', '--status', '')).toEqual(['pending', 'processed', 'failed']);
    expect(await complete('plue-trigger', 'match', '--event', 'pu')).toEqual(['push', 'pull_request']);
    expect(await complete('plue-trigger', 'audit', 'acme/app', '--kind', 'run.')).toEqual(['run.cancelled', 'run.rerun', 'run.event_raised']);
  });

  it.each([
    ['zsh', /^#compdef plue-trigger$/m, /^ {4}runs\) subs=\(list show cancel rerun\); flags=\(.*--follow|runs\) subs/m],
    ['fish', /^complete -c plue-trigger -n __fish_use_subcommand -f -a 'check match /m, /__fish_seen_subcommand_from logs' .*-l follow/],
    ['fish', /^complete -c plue-trigger -n '__fish_seen_subcommand_from workflows' -l state -x -a 'active invalid deleted'$/m, /-l status -x -a 'pending processed failed'/],
    ['zsh', /^ {4}"runs --status"\) compadd -- unknown success failure cancelled skipped waiting running blocked; return ;;$/m, /_files/],
  ])('prints a %s script', async (shell, first, second) => {
    const { status, stdout } = await cli(['completion', shell]);
    expect(status).toBe(0);
    expect(stdout).toMatch(first);
    expect(stdout).toMatch(second);
  });
});

describe('runs by number, logs --follow, runners', () => {
  let build: { id: number; run_number: number };

  it('shows, follows and cancels a run by its number; --id takes the id', async () => {
    const made = await cli(['dispatch', 'acme/app', 'Build', '--json']);
    build = JSON.parse(made.stdout) as { run_id: number; run_number: number } & { id: number };
    build.id = (build as unknown as { run_id: number }).run_id;
    const byNumber = await cli(['runs', 'show', 'acme/app', String(build.run_number), '--json']);
    expect(JSON.parse(byNumber.stdout)).toMatchObject({ id: build.id, run_number: build.run_number });
    const byHash = await cli(['runs', 'show', 'acme/app', `#${build.run_number}`]);
    expect(byHash.stdout).toContain(`run ${build.id} (#${build.run_number}): waiting`);
    // No runner at all yet: the run says so.
    expect(byHash.stdout).toContain('waiting: no runner is connected (plue-trigger runners list)');
    expect(JSON.parse((await cli(['runs', 'show', 'acme/app', String(build.id), '--id', '--json'])).stdout).id).toBe(build.id);

    // --follow prints each line once, as it comes, and ends with the run.
    const follow = spawn(process.execPath, [BIN_PATH, 'logs', 'acme/app', String(build.run_number), '--follow'], { cwd, env: { ...process.env, ...env } });
    let followed = '';
    let followErr = '';
    follow.stdout.on('data', (c: Buffer) => { followed += c.toString(); });
    follow.stderr.on('data', (c: Buffer) => { followErr += c.toString(); });
    const ended = new Promise<number | null>((resolve) => follow.on('exit', resolve));
    await waitFor(async () => followErr.includes('waiting: no runner is connected'), 'logs --follow to say why the run waits');
    const runner = new RunnerClient(service.url, (await RunnerClient.register(service.url, service.runners.settings.registrationToken, { name: 'cpu-1', labels: ['linux'] })).token);
    const task = (await runner.claim(5))!;
    expect(task.run.id).toBe(build.id);
    await runner.logs(task, 'build', ['compiling', 'linking'], 0);
    await waitFor(async () => followed.includes('linking'), 'the first lines to be followed');

    // While it runs, the runner is online with its task.
    const listed = await cli(['runners', 'list'], { PLUE_TOKEN: admin });
    expect(listed.stdout.split('\n')[0]).toMatch(/^ID +NAME +LABELS +STATE +LAST SEEN +RUNNING$/);
    expect(listed.stdout).toMatch(new RegExp(`^\\d+ +cpu-1 +linux +online +\\S+ +acme/app #${build.run_number} Build$`, 'm'));
    expect(JSON.parse((await cli(['runners', 'list', '--json'], { PLUE_TOKEN: admin })).stdout).runners[0])
      .toMatchObject({ name: 'cpu-1', labels: ['linux'], online: true, tasks: [{ job: 'Build', run: { id: build.id, run_number: build.run_number, repository: 'acme/app' } }] });
    const refused = await cli(['runners', 'list']);
    expect(refused).toMatchObject({ status: 1, stderr: expect.stringContaining('this is about every repository: it needs an admin token (HTTP 403 forbidden)') });

    await runner.logs(task, 'build', ['done'], 2);
    await runner.finish(task, 'success');
    expect(await ended).toBe(0);
    expect(followed).toBe('compiling\nlinking\ndone\n');
    // Between the runner's registration and its claim, a poll may also see the run plainly waiting.
    const states = followErr.split('\n');
    expect(states[0]).toBe(`run #${build.run_number}: waiting: no runner is connected (plue-trigger runners list)`);
    expect(states.slice(-3)).toEqual([`run #${build.run_number}: running`, `run #${build.run_number}: success`, '']);
  });

  it('says which labels no connected runner has', async () => {
    const made = JSON.parse((await cli(['dispatch', 'acme/app', 'Train', '--json'])).stdout) as { run_number: number };
    const shown = await cli(['runs', 'show', 'acme/app', String(made.run_number)]);
    expect(shown.stdout).toContain('waiting: no runner with labels [gpu] is connected (plue-trigger runners list)');
    expect(JSON.parse((await cli(['runs', 'show', 'acme/app', String(made.run_number), '--json'])).stdout).jobs[0]).toMatchObject({ runs_on: ['gpu'], fitting_runners: 0 });
    // A connected runner with the label: no such line.
    await RunnerClient.register(service.url, service.runners.settings.registrationToken, { name: 'gpu-1', labels: ['gpu', 'linux'] });
    const again = await cli(['runs', 'show', 'acme/app', String(made.run_number), '--json']);
    expect(JSON.parse(again.stdout).jobs[0].fitting_runners).toBe(1);
    expect((await cli(['runs', 'cancel', 'acme/app', String(made.run_number)])).stdout).toMatch(/^run \d+ \(#\d+\) cancelled$/m);
  });
});

describe('events', () => {
  it('sends a pull request, waits for what it decided, and shows it again', async () => {
    const sent = await cli(['events', 'send', 'acme/app', '--event', 'pull_request', '--action', 'opened', '--base-ref', 'main',
      '--head-ref', 'topic', '--base-sha', await shaOf('main'), '--head-sha', await shaOf('topic'), '--payload', '{"number": 3}', '--delivery-id', 'pr-3', '--wait']);
    expect(sent.status).toBe(0);
    const id = /^event (\d+) \(pull_request\): processed$/m.exec(sent.stdout)?.[1];
    expect(id).toBeDefined();
    expect(sent.stdout).toMatch(/^ {2}started: {2}#\d+ Review \(\.plue\/workflows\/review\.py\) \(run id \d+\)$/m);
    expect(sent.stdout).toMatch(/^ {2}skipped: {2}Build \(\.plue\/workflows\/build\.py\): not triggered by pull_request/m);
    const shown = await cli(['events', 'show', 'acme/app', id!]);
    expect(shown.stdout).toContain(`event ${id} (pull_request): processed`);
    expect(shown.stdout).toMatch(/^ {2}source: {3}api, 1 attempt\(s\), received /m);
    expect(shown.stdout).toMatch(/started: {2}#\d+ Review/);
    expect(JSON.parse((await cli(['events', 'show', 'acme/app', id!, '--json'])).stdout)).toMatchObject({ event_id: Number(id), status: 'processed' });
    // The same delivery again records nothing new.
    const again = await cli(['events', 'send', 'acme/app', '--event', 'pull_request', '--action', 'opened', '--base-ref', 'main',
      '--head-ref', 'topic', '--base-sha', await shaOf('main'), '--head-sha', await shaOf('topic'), '--payload', '{"number": 3}', '--delivery-id', 'pr-3']);
    expect(again.stdout).toContain(`event ${id} (pull_request): processed (a redelivery: recorded before)`);
  });

  it('records a chat message without waiting, and names the problems of a bad event', async () => {
    const sent = await cli(['events', 'send', 'acme/app', '--event', 'chat']);
    expect(sent).toMatchObject({ status: 0, stdout: expect.stringMatching(/^event \d+ \(chat\) recorded; it is triggered in a moment \(plue-trigger events show acme\/app \d+\)\n$/) });
    const bad = await cli(['events', 'send', 'acme/app', '--event', 'pull_request', '--action', 'opened']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/\(HTTP 422 invalid_event\)\n {2}- base_ref: /);
  });
});

describe('errors that help', () => {
  it('hints at token create on a missing or wrong token', async () => {
    const none = await cli(['runs', 'list', 'acme/app'], { PLUE_TOKEN: '' });
    expect(none.stderr).toMatch(/^hint: no token was given: export PLUE_TOKEN=\$\(plue-trigger token create --scope admin\)/m);
    const wrong = await cli(['runs', 'list', 'acme/app', '--token', 'pla_nope']);
    expect(wrong.stderr).toMatch(/^hint: send an API token as `Authorization: Bearer <token>`; .*`plue-trigger token create --scope repo:OWNER\/NAME`/m);
  });

  it('names the allowed values of a query parameter the server refuses', async () => {
    const reply = await fetch(`${service.url}/api/repos/acme/app/events?status=done`, { headers: { authorization: `Bearer ${env.PLUE_TOKEN}` } });
    expect(reply.status).toBe(400);
    expect((await reply.json() as { error: { message: string } }).error.message).toBe('query/status must be one of "pending", "processed", "failed"');
  });

  it('refuses a token for a repository the service does not have', async () => {
    const dbEnv = { DATABASE_URL: db.url, PLUE_REPOS_DIR: reposDir, PLUE_LOG_LEVEL: 'silent' };
    const typo = await cli(['token', 'create', '--scope', 'repo:acme/ap'], dbEnv);
    expect(typo).toMatchObject({ status: 1, stdout: '' });
    expect(typo.stderr).toBe(`plue-trigger token: no repository acme/ap under ${reposDir}. Did you mean \`repo:acme/app\`?; no token made\n`);
    const none = await cli(['token', 'create', '--scope', 'repo:no/such'], dbEnv);
    expect(none.stderr).toContain(`no repository no/such under ${reposDir} (there: acme/app); no token made`);
    // Not where the service keeps its data: nothing is made there.
    const elsewhere = path.join(cwd, 'not-the-data-folder');
    const lost = await cli(['token', 'create', '--scope', 'admin'], { PLUE_DATA_DIR: elsewhere });
    expect(lost).toMatchObject({ status: 1, stdout: '' });
    expect(lost.stderr).toContain(`no data folder at ${elsewhere}: the service's database is under its PLUE_DATA_DIR`);
    expect(existsSync(elsewhere)).toBe(false);
    const fine = await cli(['token', 'create', '--scope', 'repo:acme/app'], dbEnv);
    expect(fine).toMatchObject({ status: 0, stdout: expect.stringMatching(/^pla_\S+\n$/) });
    const json = await cli(['token', 'create', '--scope', 'admin', '--read-only', '--json'], dbEnv);
    expect(JSON.parse(json.stdout)).toEqual({ id: expect.any(Number), scope: 'admin', read_only: true, name: '', token: expect.stringMatching(/^pla_/) });
  });
});

async function shaOf(branch: string): Promise<string> {
  const { stdout } = await promisify(execFile)('git', ['--git-dir', path.join(reposDir, 'acme', 'app.git'), 'rev-parse', `refs/heads/${branch}`]);
  return stdout.trim();
}
