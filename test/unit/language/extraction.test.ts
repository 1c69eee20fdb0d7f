// What parseWorkflowFile extracts from valid files: options, triggers, value forms, aliases, constants.
import { describe, expect, it } from 'vitest';
import type { Trigger, Workflow } from '../../../server/core/language/index.js';
import { hasErrors } from '../../../server/core/language/index.js';
import { codes, parse } from './parser.js';

/** The only workflow of a file that must be valid. */
function only(source: string): Workflow {
  const file = parse(source);
  expect(codes(file)).toEqual([]);
  expect(file.workflows).toHaveLength(1);
  return file.workflows[0] as Workflow;
}

function triggersOf(on: string, imports = 'from plue import *'): Trigger[] {
  return only(`${imports}\n@workflow(on=${on})\ndef f(ctx):\n    pass\n`).triggers;
}

describe('workflow options', () => {
  it('applies the defaults', () => {
    expect(only('@workflow(on="push")\ndef build(ctx):\n    pass\n')).toEqual({
      name: 'example', function: 'build', line: 2, agent: false, runs_on: [], concurrency: null,
      cancel_in_progress: false, concurrency_queue: 'single', triggers: [{ event: 'push' }],
    });
  });

  it.each([
    ['name="CI"', { name: 'CI' }],
    ['agent=True', { agent: true }],
    ['agent=False', { agent: false }],
    ['runs_on="linux"', { runs_on: ['linux'] }],
    ['runs_on=["linux", "x64"]', { runs_on: ['linux', 'x64'] }],
    ['runs_on=("linux",)', { runs_on: ['linux'] }],
    ['runs_on=[]', { runs_on: [] }],
    ['concurrency="deploy-{ref}-{workflow}-{event}"', { concurrency: 'deploy-{ref}-{workflow}-{event}' }],
    ['concurrency=None', { concurrency: null }],
    ['cancel_in_progress=True', { cancel_in_progress: true }],
    ['triggers="chat"', { triggers: [{ event: 'chat' }] }],
  ])('reads %s', (option, expected) => {
    const on = option.startsWith('triggers=') ? '' : 'on="push", ';
    expect(only(`@workflow(${on}${option})\ndef build(ctx):\n    pass\n`)).toMatchObject(expected);
  });

  it('reports the line of the def, not of the decorator', () => {
    const source = '\n\n@workflow(\n    on="push",\n)\nasync def build(ctx):\n    pass\n';
    expect(only(source)).toMatchObject({ line: 6, function: 'build' });
  });
});

describe('default names', () => {
  it('uses the file stem for the only workflow of a file', () => {
    const file = parse('@workflow(on="push")\ndef build(ctx): pass\n', { path: '.plue/workflows/ci.py' });
    expect(file.workflows.map((w) => w.name)).toEqual(['ci']);
  });

  it('uses function names when a file holds several workflows', () => {
    const source = '@workflow(on="push")\ndef build(ctx): pass\n\n@workflow(on="chat", name="Chat")\ndef talk(ctx): pass\n';
    const file = parse(source, { path: '.plue/workflows/ci.py' });
    expect(file.workflows.map((w) => [w.name, w.function, w.line])).toEqual([['build', 'build', 2], ['Chat', 'talk', 5]]);
  });
});

describe('decorator forms', () => {
  it.each([
    ['bare name', '', '@workflow(on="push")'],
    ['imported name', 'from plue import workflow', '@workflow(on="push")'],
    ['module attribute', 'import plue', '@plue.workflow(on="push")'],
    ['module alias', 'import plue as p', '@p.workflow(on="push")'],
    ['name alias', 'from plue import workflow as wf', '@wf(on="push")'],
    ['alias among other imports', 'import os, plue as pl\nfrom plue import (\n    push,\n    workflow as job,\n)', '@job(on=pl.push())'],
    ['other decorators around', 'import functools', '@functools.cache\n@workflow(on="push")\n@other(1)'],
    ['multi-line with comments and trailing commas', '', '@workflow(  # the CI\n    name="CI",  # name\n\n    # triggers:\n    on=[\n        "push",  # all\n    ],\n)'],
  ])('%s', (_name, imports, decorator) => {
    expect(only(`${imports}\n${decorator}\ndef build(ctx):\n    pass\n`).triggers).toEqual([{ event: 'push' }]);
  });

  it('ignores functions whose decorators are not plue workflows', () => {
    const source = 'import other\n@other.workflow(on="push")\ndef a(): pass\n@wf(on="push")\ndef b(): pass\n@workflow(on="push")\ndef c(): pass\n';
    expect(parse(source).workflows.map((w) => w.function)).toEqual(['c']);
  });

  it('finds several workflows per file, in file order', () => {
    const source = [
      'from plue import workflow, push', '', 'def helper():', '    return 1', '',
      '@workflow(on="push")', 'def one(ctx): pass', '',
      'class Tool:', '    pass', '',
      '@workflow(on="chat")', 'async def two(ctx): pass', '',
      '@workflow(on="manual")', 'def three(ctx): pass', '',
    ].join('\n');
    const file = parse(source);
    expect(codes(file)).toEqual([]);
    expect(file.workflows.map((w) => [w.function, w.line, w.triggers[0]?.event])).toEqual([
      ['one', 7, 'push'], ['two', 13, 'chat'], ['three', 16, 'manual'],
    ]);
  });

  it('reads a function decorated twice as one workflow, and says the second decorator is an error', () => {
    const file = parse('@workflow(on="push", name="a")\n@workflow(on="chat", name="b")\ndef f(): pass\n');
    expect(file.workflows.map((w) => w.name)).toEqual(['a']);
    expect(file.diagnostics.map((d) => d.code)).toEqual(['duplicate-function']);
  });
});

describe('triggers', () => {
  it.each([
    ['"push"', [{ event: 'push' }]],
    ['"pull_request"', [{ event: 'pull_request', types: ['opened', 'synchronize', 'reopened'] }]],
    ['"issue"', [{ event: 'issue', types: ['opened', 'edited', 'closed', 'reopened', 'labeled', 'unlabeled', 'assigned', 'unassigned', 'commented'] }]],
    ['"chat"', [{ event: 'chat' }]],
    ['"manual"', [{ event: 'manual', inputs: {} }]],
    ['"dispatch"', [{ event: 'dispatch' }]],
    ['["push", "chat"]', [{ event: 'push' }, { event: 'chat' }]],
    ['("push", "chat")', [{ event: 'push' }, { event: 'chat' }]],
    ['push()', [{ event: 'push' }]],
    ['push(branches="main")', [{ event: 'push', branches: ['main'] }]],
    [
      'push(branches=["main", "!old"], tags=["v*"], paths=["src/**"])',
      [{ event: 'push', branches: ['main', '!old'], tags: ['v*'], paths: ['src/**'] }],
    ],
    [
      'push(branches_ignore="tmp/*", tags_ignore=["v0*"], paths_ignore=["docs/**", "*.md"])',
      [{ event: 'push', branches_ignore: ['tmp/*'], tags_ignore: ['v0*'], paths_ignore: ['docs/**', '*.md'] }],
    ],
    ['pull_request(types="closed")', [{ event: 'pull_request', types: ['closed'] }]],
    [
      'pull_request(types=["labeled", "labeled", "ready_for_review"], branches=["main"], paths_ignore="docs/**")',
      [{ event: 'pull_request', types: ['labeled', 'ready_for_review'], branches: ['main'], paths_ignore: ['docs/**'] }],
    ],
    ['pull_request(branches_ignore=["x"], paths=["a"])', [{ event: 'pull_request', types: ['opened', 'synchronize', 'reopened'], branches_ignore: ['x'], paths: ['a'] }]],
    ['issue(types=["commented", "closed"])', [{ event: 'issue', types: ['commented', 'closed'] }]],
    ['chat()', [{ event: 'chat' }]],
    ['dispatch()', [{ event: 'dispatch' }]],
    ['schedule(cron="*/15 0-6,22 1 JAN-MAR mon-fri")', [{ event: 'schedule', cron: '*/15 0-6,22 1 JAN-MAR mon-fri', timezone: 'UTC' }]],
    ['[schedule(cron="0 3 * * *"), schedule(cron="0 4 * * *")]', [{ event: 'schedule', cron: '0 3 * * *', timezone: 'UTC' }, { event: 'schedule', cron: '0 4 * * *', timezone: 'UTC' }]],
    ['schedule(cron=" 0 3 * * * ", timezone="Europe/Berlin")', [{ event: 'schedule', cron: '0 3 * * *', timezone: 'Europe/Berlin' }]],
    ['[schedule(cron="0 3 * * *"), schedule(cron="0 3 * * *", timezone="Asia/Kolkata")]',
      [{ event: 'schedule', cron: '0 3 * * *', timezone: 'UTC' }, { event: 'schedule', cron: '0 3 * * *', timezone: 'Asia/Kolkata' }]],
    ['[push(branches="main"), push(tags="v*")]', [{ event: 'push', branches: ['main'] }, { event: 'push', tags: ['v*'] }]],
    ['manual()', [{ event: 'manual', inputs: {} }]],
    ['workflow_run(workflows="CI")', [{ event: 'workflow_run', workflows: ['CI'], types: ['completed'] }]],
    [
      'workflow_run(workflows=["CI", "Lint", "CI"], types=["requested", "completed"], conclusions=["success", "success"], branches=["main", "release/*"])',
      [{ event: 'workflow_run', workflows: ['CI', 'Lint'], types: ['requested', 'completed'], conclusions: ['success'], branches: ['main', 'release/*'] }],
    ],
    ['workflow_run(workflows=["CI"], branches_ignore="wip/**")', [{ event: 'workflow_run', workflows: ['CI'], types: ['completed'], branches_ignore: ['wip/**'] }]],
  ])('on=%s', (on, expected) => {
    expect(triggersOf(on)).toEqual(expected);
  });

  it.each([
    ['import plue', 'plue.push(branches="main")'],
    ['import plue as p', 'p.push(branches="main")'],
    ['from plue import push as on_push', 'on_push(branches="main")'],
    ['from plue import push', 'push(branches="main")'],
  ])('trigger calls through %s', (imports, on) => {
    expect(triggersOf(on, imports)).toEqual([{ event: 'push', branches: ['main'] }]);
  });

  it('reads manual inputs with every key', () => {
    const on = `manual(inputs={
        "env": {"type": "choice", "options": ["staging", "prod"], "default": "prod", "description": "Where"},
        "dry_run": {"type": "boolean", "default": False},
        "count": {"type": "number", "default": -2.5, "required": True},
        "note": {},
        "my-input_2": {"type": "string", "default": None},
    })`;
    expect(triggersOf(on)).toEqual([{
      event: 'manual',
      inputs: {
        env: { type: 'choice', required: false, options: ['staging', 'prod'], default: 'prod', description: 'Where' },
        dry_run: { type: 'boolean', required: false, default: false },
        count: { type: 'number', required: true, default: -2.5 },
        note: { type: 'string', required: false },
        'my-input_2': { type: 'string', required: false },
      },
    }]);
  });

  it.each(['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'])('reads an input named %s as its own key', (name) => {
    const [trigger] = triggersOf(`manual(inputs={"${name}": {"type": "number"}})`) as Array<{ inputs: Record<string, unknown> }>;
    expect(Object.keys(trigger!.inputs)).toEqual([name]);
    expect(Object.hasOwn(trigger!.inputs, name)).toBe(true);
    expect(trigger!.inputs[name]).toEqual({ type: 'number', required: false });
  });
});

describe('static values', () => {
  it.each([
    ["'single'", 'single'],
    ['"double"', 'double'],
    ['"""triple"""', 'triple'],
    ["'''triple'''", 'triple'],
    ['r"raw\\d"', 'raw\\d'],
    ['R"raw"', 'raw'],
    ['u"unicode"', 'unicode'],
    ['"implicit" " concatenation"', 'implicit concatenation'],
    ['("parenthesised"\n     "-and-split")', 'parenthesised-and-split'],
    ['"escapes\\t\\x41\\u00e9\\101\\\\"', 'escapes\tAé A\\'.replace(' ', '')],
    ['"unknown \\d escape"', 'unknown \\d escape'],
    ['"héllo 😀"', 'héllo 😀'],
  ])('string %s', (literal, expected) => {
    expect(only(`@workflow(on="push", name=${literal})\ndef f(): pass\n`).name).toBe(expected);
  });

  it.each([
    ['1_000', 1000], ['0x1F', 31], ['0o17', 15], ['0b101', 5], ['2.5', 2.5], ['1e3', 1000], ['-3', -3], ['+4', 4],
  ])('number %s', (literal, expected) => {
    const on = `manual(inputs={"n": {"type": "number", "default": ${literal}}})`;
    expect(triggersOf(on)).toEqual([{ event: 'manual', inputs: { n: { type: 'number', required: false, default: expected } } }]);
  });

  it('resolves module constants, also through other constants', () => {
    const source = [
      'from plue import workflow, push',
      'MAIN = "main"',
      'BRANCHES = [MAIN, "release/*"]',
      'TRIGGERS = [push(branches=BRANCHES), "chat"]',
      'LABEL: str = "linux"',
      'A = B = True',
      '',
      '@workflow(on=TRIGGERS, runs_on=LABEL, agent=A, cancel_in_progress=B)',
      'def f(ctx): pass',
    ].join('\n');
    expect(only(source)).toMatchObject({
      runs_on: ['linux'], agent: true, cancel_in_progress: true,
      triggers: [{ event: 'push', branches: ['main', 'release/*'] }, { event: 'chat' }],
    });
  });

  it('accepts constants next to unrelated bindings of other names', () => {
    const source = [
      'import os', 'from x import y as z', 'for i in range(3): pass', 'a, b = 1, 2', 'n = 0', 'n += 1',
      'if os.name:', '    other = 1', 'def helper(): pass', 'class K: pass', 'ON = "push"', '',
      '@workflow(on=ON)', 'def f(ctx): pass',
    ].join('\n');
    expect(only(source).triggers).toEqual([{ event: 'push' }]);
  });
});

describe('files with problems', () => {
  it('keeps the workflows of a file with errors', () => {
    const file = parse('@workflow(on="pushh")\ndef a(): pass\n@workflow(on="push")\ndef b(): pass\n');
    expect(hasErrors(file)).toBe(true);
    expect(file.workflows.map((w) => w.function)).toEqual(['a', 'b']);
  });

  it('keeps what can be read around a syntax error', () => {
    const file = parse('@workflow(on="push")\ndef a(ctx):\n    return (1 +\n\n@workflow(on="chat")\ndef b(): pass\n');
    expect(hasErrors(file)).toBe(true);
    expect(file.workflows.length).toBeGreaterThanOrEqual(1);
  });

  it('accepts CRLF line endings and a byte-order mark', () => {
    const source = '\uFEFF@workflow(on="pushh")\r\ndef a(): pass\r\n';
    for (const content of [source, new TextEncoder().encode(source)]) {
      expect(codes(parse(content))).toEqual(['unknown-event 1:14']);
    }
  });
});
