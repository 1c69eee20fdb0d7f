import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandIO } from '../../server/cli/io.js';
import { COMMANDS, runCli } from '../../server/cli/main.js';
import { USAGE } from '../../server/cli/usage.js';
import { createTempDir, removeTempDirs } from '../git/fixtures.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
let dir: string;

const CI = `from plue import workflow, push

@workflow(name="CI", on=[push(branches=["main"], paths=["src/**"])])
async def ci(ctx):
    pass
`;
const DEPLOY = `from plue import workflow, push

@workflow(name="Deploy", on=push(tags=["v*"]))
async def deploy(ctx):
    pass
`;
// Exponential for a backtracking matcher against a long file name of `a`s.
const HOSTILE = `from plue import workflow, push

@workflow(name="Hostile", on=push(paths=["${'**a'.repeat(13)}**b", "${'a+'.repeat(20)}b"]))
async def hostile(ctx):
    pass
`;
const NIGHTLY = `from plue import workflow, schedule

@workflow(name="Nightly", on=schedule(cron="30 2 * * *", timezone="Europe/Berlin"))
async def nightly(ctx):
    pass
`;
const BROKEN = `from plue import workflow

@workflow(name="Broken", on=["pushh"])
async def broken(ctx):
    pass
`;

beforeAll(async () => {
  dir = await createTempDir('plue-cli-');
  await mkdir(path.join(dir, '.plue', 'workflows'), { recursive: true });
  await writeFile(path.join(dir, '.plue', 'workflows', 'ci.py'), CI);
  await writeFile(path.join(dir, '.plue', 'workflows', 'deploy.py'), DEPLOY);
  await writeFile(path.join(dir, 'broken.py'), BROKEN);
  await writeFile(path.join(dir, 'nightly.py'), NIGHTLY);
  await writeFile(path.join(dir, 'hostile.py'), HOSTILE);
});
afterAll(removeTempDirs);

async function cli(...argv: string[]): Promise<{ status: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIO = { cwd: dir, env: {}, out: (l) => out.push(l), err: (l) => err.push(l) };
  const status = await runCli(argv, io);
  return { status, out: out.join('\n'), err: err.join('\n') };
}

describe('plue-trigger check', () => {
  it('lints .plue/workflows under the current folder and exits 0 without errors', async () => {
    const { status, out, err } = await cli('check');
    expect(status).toBe(0);
    expect(out).toBe('');
    expect(err).toContain('2 file(s), 2 workflow(s), 0 error(s)');
  });

  it('prints path:line:col: severity code: message and exits 1 on an error', async () => {
    const { status, out } = await cli('check', 'broken.py');
    expect(status).toBe(1);
    expect(out).toMatch(/^broken\.py:3:30: error unknown-event: .*Did you mean `push`/);
  });

  it('prints one JSON document with --json', async () => {
    const { status, out } = await cli('check', '--json', '.plue/workflows/ci.py', 'broken.py');
    expect(status).toBe(1);
    const doc = JSON.parse(out);
    expect(doc.files.map((f: { path: string }) => f.path)).toEqual(['.plue/workflows/ci.py', 'broken.py']);
    expect(doc.files[0].workflows[0]).toEqual({
      name: 'CI', function: 'ci', line: 4, name_at: { line: 3, column: 16 }, agent: false, runs_on: [], concurrency: null, cancel_in_progress: false, concurrency_queue: 'single',
      triggers: [{ event: 'push', branches: ['main'], paths: ['src/**'] }],
    });
    expect(doc.files[1].diagnostics[0]).toMatchObject({ severity: 'error', code: 'unknown-event', line: 3, column: 30 });
  });

  it.each([
    [['check', '--nope'], /Unknown option/],
    [['check', 'missing.py'], /no such file/],
    [['check', '--max-bytes', 'x'], /positive integer/],
    [['frobnicate'], /unknown command/],
  ])('exits 2 on bad usage: %j', async (argv, message) => {
    const { status, err } = await cli(...argv);
    expect(status).toBe(2);
    expect(err).toMatch(message);
  });
});

describe('plue-trigger match', () => {
  it('tells which workflows a push would start, and why the others would not', async () => {
    const { status, out } = await cli('match', '--json', '--event', 'push', '--ref', 'refs/heads/main',
      '--before', 'a'.repeat(40), '--after', 'b'.repeat(40), '--changed', 'src/app.py');
    expect(status).toBe(0);
    const result = JSON.parse(out);
    expect(result.matched).toEqual([{ path: '.plue/workflows/ci.py', name: 'CI' }]);
    expect(result.skipped).toHaveLength(1);
    expect(result.skipped[0]).toMatchObject({ path: '.plue/workflows/deploy.py', name: 'Deploy' });
  });

  it('skips a path-filtered workflow when no changed file matches', async () => {
    const { out } = await cli('match', '--event', 'push', '--ref', 'main', '--before', 'a'.repeat(40), '--changed', 'docs/x.md');
    expect(out).toMatch(/^skipped {2}\.plue\/workflows\/ci\.py {2}CI: .*paths/m);
  });

  it('answers at once for patterns a backtracking matcher would take ages on', async () => {
    const { status, out } = await cli('match', '--json', '--event', 'push', '--ref', 'main', '--changed', 'a'.repeat(4000), 'hostile.py');
    expect(status).toBe(0);
    expect(JSON.parse(out).skipped).toMatchObject([{ path: 'hostile.py', name: 'Hostile' }]);
  });

  it('matches a tag push', async () => {
    const { out } = await cli('match', '--json', '--event', 'push', '--ref', 'refs/tags/v1.2');
    expect(JSON.parse(out).matched).toEqual([{ path: '.plue/workflows/deploy.py', name: 'Deploy' }]);
  });

  it('matches a schedule by its cron and time zone', async () => {
    const berlin = await cli('match', '--event', 'schedule', '--cron', '30 2 * * *', '--timezone', 'Europe/Berlin', 'nightly.py');
    expect(berlin.out).toBe('matched  nightly.py  Nightly');
    const utc = await cli('match', '--event', 'schedule', '--cron', '30 2 * * *', 'nightly.py');
    expect(utc.out).toBe('skipped  nightly.py  Nightly: schedule `30 2 * * *` in Europe/Berlin is not the cron `30 2 * * *` in UTC');
  });

  it.each([
    [['match'], /--event is required/],
    [['match', '--event', 'schedule', '--timezone', 'UTC'], /--timezone needs --cron/],
    [['match', '--event', 'nope'], /--event must be one of push, pull_request, .*, not "nope"/],
    [['match', '--event', 'pushh'], /Did you mean `push`\?/],
    [['match', '--event', 'workflow_run', '--workflow', 'CI', '--conclusion', 'faliure'], /Did you mean `failure`\?/],
    [['match', '--event', 'push'], /needs --ref/],
    [['match', '--event', 'pull_request'], /needs --base-ref/],
  ])('exits 2 on bad usage: %j', async (argv, message) => {
    const { status, err } = await cli(...argv);
    expect(status).toBe(2);
    expect(err).toMatch(message);
  });
});

describe('plue-trigger cron', () => {
  it('prints what docs/workflows.md shows', async () => {
    const docs = await readFile(path.join(ROOT, 'docs', 'workflows.md'), 'utf8');
    const example = /```sh\nplue-trigger (cron .*)\n```\n\n```text\n([\s\S]*?)```/.exec(docs);
    expect(example).not.toBeNull();
    const argv = [...(example?.[1] ?? '').matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
    const { status, out } = await cli(...argv);
    expect(status).toBe(0);
    expect(`${out}\n`).toBe(example?.[2]);
  });

  it('prints one JSON document with --json', async () => {
    const { status, out } = await cli('cron', '0 3 * * *', '--from', '2026-01-01T00:00:00Z', '--count', '2', '--json');
    expect(status).toBe(0);
    expect(JSON.parse(out)).toEqual({ valid: true, next: ['2026-01-01T03:00:00Z', '2026-01-02T03:00:00Z'], diagnostics: [] });
  });

  it('starts from now, five by default', async () => {
    const started = Date.now();
    const { status, out } = await cli('cron', '* * * * *', '--timezone', 'Asia/Kolkata');
    expect(status).toBe(0);
    const lines = out.split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:00Z {2}\(\d\d:\d\d (Sun|Mon|Tue|Wed|Thu|Fri|Sat) \d{1,2} [A-Z][a-z]{2} Asia\/Kolkata\)$/);
    expect(Date.parse(lines[0]?.slice(0, 20) ?? '')).toBeGreaterThan(started - 60_000);
  });

  it('exits 1 for an invalid schedule, with check\'s messages', async () => {
    const human = await cli('cron', '0 25 * * *', '--timezone', 'Europe/Berlln');
    expect(human.status).toBe(1);
    expect(human.out).toBe('');
    expect(human.err.split('\n')).toEqual([
      'error bad-cron: `0 25 * * *` is not a valid cron expression: in the hour field, `25` is not a value from 0 to 23.',
      'error bad-timezone: `Europe/Berlln` is not a time zone from the IANA database, such as `Europe/Berlin` or `UTC`. Did you mean `Europe/Berlin`?',
    ]);
    const json = await cli('cron', '@daily', '--json');
    expect(json.status).toBe(1);
    expect(JSON.parse(json.out)).toEqual({
      valid: false, next: [],
      diagnostics: [{ code: 'bad-cron', message: '`@daily` is not a valid cron expression: `@daily` is not supported; write its five fields, `0 0 * * *`.' }],
    });
  });

  it.each([
    [['cron'], /one quoted argument: plue-trigger cron "0 3 \* \* \*"/],
    [['cron', '0', '3', '*', '*', '*'], /one quoted argument: plue-trigger cron "0 3 \* \* \*"/],
    [['cron', '0 3 * * *', '--count', '0'], /--count must be a whole number from 1 to 100, got 0/],
    [['cron', '0 3 * * *', '--count', '101'], /from 1 to 100/],
    [['cron', '0 3 * * *', '--count', '2.5'], /from 1 to 100/],
    [['cron', '0 3 * * *', '--from', 'tomorrow'], /--from must be an ISO 8601 date/],
    [['cron', '0 3 * * *', '--from', '2026-03-28T00:00'], /with an offset/],
    [['cron', '0 3 * * *', '--tz', 'UTC'], /Unknown option/],
  ])('exits 2 on bad usage: %j', async (argv, message) => {
    const { status, err } = await cli(...argv);
    expect(status).toBe(2);
    expect(err).toMatch(message);
  });
});

describe('the command list', () => {
  it('names every command, and no other', () => {
    const listed = [...USAGE.matchAll(/^ {2}([a-z][a-z-]*) /gm)].map((m) => m[1]);
    expect(new Set(listed)).toEqual(new Set(Object.keys(COMMANDS)));
  });
});

describe('the installed command', () => {
  it('runs through bin/plue-trigger.js (what `plue-trigger` on PATH starts)', async () => {
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, [path.join(ROOT, 'bin', 'plue-trigger.js'), 'check', '--json'], { cwd: dir });
    expect(JSON.parse(stdout).files).toHaveLength(2);
    const failed = await run(process.execPath, [path.join(ROOT, 'bin', 'plue-trigger.js'), 'check', 'broken.py'], { cwd: dir })
      .then(() => 0, (error: { code: number }) => error.code);
    expect(failed).toBe(1);
  });
});
