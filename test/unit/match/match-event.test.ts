import { describe, expect, it } from 'vitest';
import type { ManualEvent } from '../../../server/core/match/event.js';
import { matchEvent } from '../../../server/core/match/match.js';
import { error, file, push, warning, workflow } from './fixtures.js';

const manual = (name: string): ManualEvent => ({ kind: 'manual', workflow: name, ref: 'refs/heads/main', inputs: {} });

const ci = file('.plue/workflows/ci.py', [
  workflow('CI', [{ event: 'push', branches: ['main'] }], 'ci'),
  workflow('Lint', [{ event: 'push' }, { event: 'manual', inputs: {} }], 'lint'),
]);
const deploy = file('.plue/workflows/deploy.py', [
  workflow('Deploy', [{ event: 'push', tags: ['v*'] }, { event: 'manual', inputs: {} }], 'deploy'),
]);
const broken = file('.plue/workflows/broken.py', [workflow('Broken', [{ event: 'push' }])], [error(), warning(), error()]);
const empty = file('.plue/workflows/empty.py', [], [error()]);
const warned = file('.plue/workflows/warned.py', [workflow('Warned', [{ event: 'push' }])], [warning()]);

describe('matchEvent', () => {
  it('reports every workflow, files in order and workflows in file order', () => {
    expect(matchEvent(push('refs/heads/main'), [ci, broken, deploy, empty, warned])).toEqual({
      matched: [
        { path: '.plue/workflows/ci.py', name: 'CI' },
        { path: '.plue/workflows/ci.py', name: 'Lint' },
        { path: '.plue/workflows/warned.py', name: 'Warned' },
      ],
      skipped: [
        { path: '.plue/workflows/broken.py', name: 'Broken', reason: 'workflow file has errors (2)' },
        { path: '.plue/workflows/deploy.py', name: 'Deploy', reason: "branch pushes don't match: only tag filters are set" },
        { path: '.plue/workflows/empty.py', name: '.plue/workflows/empty.py', reason: 'workflow file has errors (1)' },
      ],
    });
  });

  it('returns empty lists for no files', () => {
    expect(matchEvent({ kind: 'chat' }, [])).toEqual({ matched: [], skipped: [] });
  });
});

// [case, requested workflow, matched names, skipped name → reason]
const manualCases: Array<[string, string, string[], Record<string, string>]> = [
  ['by workflow name', 'Deploy', ['Deploy'], {
    CI: 'not the requested workflow `Deploy`',
    Lint: 'not the requested workflow `Deploy`',
  }],
  ['by function name', 'lint', ['Lint'], {
    CI: 'not the requested workflow `lint`',
    Deploy: 'not the requested workflow `lint`',
  }],
  ['by file path', '.plue/workflows/deploy.py', ['Deploy'], {
    CI: 'not the requested workflow `.plue/workflows/deploy.py`',
    Lint: 'not the requested workflow `.plue/workflows/deploy.py`',
  }],
  ['named workflow without a manual trigger', 'CI', [], {
    CI: 'not triggered by manual (triggers: push)',
    Lint: 'not the requested workflow `CI`',
    Deploy: 'not the requested workflow `CI`',
  }],
  ['unknown workflow', 'nope', [], {
    CI: 'not the requested workflow `nope`',
    Lint: 'not the requested workflow `nope`',
    Deploy: 'not the requested workflow `nope`',
  }],
];

describe('manual', () => {
  it.each(manualCases)('%s', (_name, requested, matched, skipped) => {
    const result = matchEvent(manual(requested), [ci, deploy]);
    expect(result.matched.map((m) => m.name)).toEqual(matched);
    expect(Object.fromEntries(result.skipped.map((s) => [s.name, s.reason]))).toEqual(skipped);
  });

  it('a file path selects every workflow in that file that has a manual trigger', () => {
    const result = matchEvent(manual('.plue/workflows/ci.py'), [ci]);
    expect(result.matched).toEqual([{ path: '.plue/workflows/ci.py', name: 'Lint' }]);
    expect(result.skipped).toEqual([
      { path: '.plue/workflows/ci.py', name: 'CI', reason: 'not triggered by manual (triggers: push)' },
    ]);
  });

  it('a file with errors is skipped even when requested', () => {
    const result = matchEvent(manual('Broken'), [broken]);
    expect(result.skipped).toEqual([
      { path: '.plue/workflows/broken.py', name: 'Broken', reason: 'workflow file has errors (2)' },
    ]);
  });
});
