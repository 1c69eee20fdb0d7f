// The pure rules under the user API: ref names, workflow selectors, storable text, token scopes.
import { describe, expect, it } from 'vitest';
import { isValidRefName, refCandidates } from '../../server/core/api/ref-names.js';
import { tokenRefusal } from '../../server/core/api/token-scope.js';
import { findUnstorableText } from '../../server/core/api/unstorable-text.js';
import { selectWorkflows, workflowSuggestion } from '../../server/core/api/workflow-selector.js';

describe('isValidRefName', () => {
  it.each(['main', 'feature/x', 'refs/heads/main', 'refs/tags/v1.0', 'release-1.2', 'a@b'])('accepts %j', (name) => {
    expect(isValidRefName(name)).toBe(true);
  });
  it.each([
    '', '@', '-main', '--output=/tmp/x', 'a..b', 'a/.hidden', 'a.lock', 'a/', '/a', 'a//b', 'a.', 'a b', 'a~1', 'a^{tree}',
    'a:b', 'a?', 'a*', 'a[', 'a\\b', 'a@{1}', 'a\u0000b', 'a\nb', 'x'.repeat(1025),
  ])('refuses %j', (name) => {
    expect(isValidRefName(name)).toBe(false);
  });
  it('tries a branch, then a tag', () => {
    expect(refCandidates('v1')).toEqual(['refs/heads/v1', 'refs/tags/v1']);
    expect(refCandidates('refs/tags/v1')).toEqual(['refs/tags/v1']);
  });
});

describe('selectWorkflows', () => {
  const all = [
    { id: 1, path: '.plue/workflows/ci.py', name: 'CI', function: 'ci' },
    { id: 2, path: '.plue/workflows/pair.py', name: 'Lint', function: 'lint' },
    { id: 3, path: '.plue/workflows/pair.py', name: 'Format', function: 'format_code' },
    { id: 4, path: '.plue/workflows/broken.py', name: 'broken', function: '' },
  ];
  it.each([
    ['1', [1]], ['.plue/workflows/ci.py', [1]], ['ci.py', [1]], ['CI', [1]], ['ci', [1]], ['pair.py', [2, 3]],
    ['format_code', [3]], ['broken.py', [4]], ['', []], ['99', []], ['../../etc/passwd', []], ['.plue/workflows/../ci.py', []],
  ] as const)('%j selects %j', (selector, ids) => {
    expect(selectWorkflows(all, selector).map((w) => w.id)).toEqual(ids);
  });
  it.each([
    ['Lnit', ' Did you mean `Lint`?'], ['formatcode', ' Did you mean `format_code`?'], ['pari.py', ' Did you mean `pair.py`?'], ['Deploy', ''],
  ] as const)('%j suggests %j', (selector, hint) => {
    expect(workflowSuggestion(all, selector)).toBe(hint);
  });
});

describe('findUnstorableText', () => {
  it.each([
    [{ a: 'x\u0000' }, '/a', 'nul'],
    [{ ['k\u0000']: 1 }, '/k\u0000', 'nul'],
    [['ok', '\ud800'], '/1', 'lone-surrogate'],
    ['\udc00x', '', 'lone-surrogate'],
    [{ 'a/b': { c: '\u0000' } }, '/a~1b/c', 'nul'],
  ])('finds %j', (value, path, problem) => {
    expect(findUnstorableText(value)).toMatchObject({ path, problem });
  });
  it('accepts ordinary text, emoji and shallow nesting', () => {
    expect(findUnstorableText({ a: ['😀', 'é', { b: 1, c: null, d: true }] })).toBeNull();
  });
  it('refuses nesting deeper than the limit, without recursion', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findUnstorableText(deep)).toMatchObject({ problem: 'too-deep' });
    expect(findUnstorableText([[[1]]], 3)).toBeNull();
    expect(findUnstorableText([[[[1]]]], 3)).toMatchObject({ problem: 'too-deep', path: '/0/0/0' });
  });
});

describe('tokenRefusal', () => {
  const repo = { owner: 'acme', name: 'app' };
  it.each([
    ['admin', false, 'write', null],
    ['admin', true, 'read', null],
    ['admin', true, 'write', /read-only/],
    ['repo:acme/app', false, 'write', null],
    ['repo:acme/other', false, 'read', /scoped to acme\/other/],
    ['repo:acme/app', true, 'write', /read-only/],
    ['nonsense', false, 'read', /not understood/],
    ['admin', false, 'admin', null],
    ['admin', true, 'admin', /read-only/],
    ['repo:acme/app', false, 'admin', /needs an admin token/],
  ] as const)('%s (read-only %s) → %s', (scope, readOnly, access, expected) => {
    const refusal = tokenRefusal({ scope, read_only: readOnly }, repo, access);
    if (expected === null) expect(refusal).toBeNull();
    else expect(refusal).toMatch(expected);
  });
  it.each([
    ['admin', true, 'read', null],
    ['admin', false, 'read', null],
    ['repo:acme/app', false, 'read', /needs an admin token/],
    ['admin', true, 'write', /read-only/],
  ] as const)('a route about every repository: %s (read-only %s) %s → %s', (scope, readOnly, access, expected) => {
    const refusal = tokenRefusal({ scope, read_only: readOnly }, null, access);
    if (expected === null) expect(refusal).toBeNull();
    else expect(refusal).toMatch(expected);
  });
});
