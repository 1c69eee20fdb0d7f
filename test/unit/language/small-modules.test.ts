// The small pure helpers: concurrency groups, suggestions, Python literals, paths and names.
import { describe, expect, it } from 'vitest';
import { concurrencyError } from '../../../server/core/language/concurrency.js';
import { decodeSource, firstInvalidUtf8Byte, utf8Length } from '../../../server/core/language/decode-source.js';
import { isValidInputName } from '../../../server/core/language/manual-inputs.js';
import { decodeLocatedStringLiteral, decodeNumberLiteral, decodeStringLiteral } from '../../../server/core/language/python-literal.js';
import { closestMatch, didYouMean, editDistance, listOfNames } from '../../../server/core/language/suggest.js';
import { defaultWorkflowName, fileStem, isWorkflowPath } from '../../../server/core/language/workflow-paths.js';

describe('concurrencyError', () => {
  it.each(['deploy', '{ref}', 'deploy-{workflow}-{ref}-{event}', 'a b'])('accepts %j', (group) => {
    expect(concurrencyError(group)).toBeNull();
  });
  it.each([
    ['', 'the concurrency group is empty'],
    ['  ', 'the concurrency group is empty'],
    ['{branch}', '`{branch}` is not a placeholder; use {ref}, {workflow} or {event}'],
    ['{}', '`{}` is not a placeholder; use {ref}, {workflow} or {event}'],
    ['a-{ref', 'the `{` at character 3 is never closed'],
    ['a}', 'the `}` at character 2 closes no placeholder'],
  ])('rejects %j', (group, message) => {
    expect(concurrencyError(group)).toBe(message);
  });
});

describe('suggestions', () => {
  it.each([
    ['kitten', 'sitting', 3], ['', 'abc', 3], ['abc', 'abc', 0], ['push', 'pusj', 1],
    ['psuh', 'push', 1], ['ab', 'ba', 1], ['abc', 'ca', 3], ['pendnig', 'pending', 1], ['sucess', 'success', 1],
  ])('editDistance(%j, %j) = %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
    expect(editDistance(b, a)).toBe(distance);
  });
  it.each([
    ['pushh', 'push'], ['Push', 'push'], ['pull-request', 'pull_request'], ['isue', 'issue'], ['open', 'opened'],
    ['branch', 'branches'], ['xyz', undefined], ['tags', undefined], ['ab', undefined], ['psuh', 'push'], ['isseu', 'issue'],
  ])('closestMatch(%j)', (word, expected) => {
    expect(closestMatch(word, ['push', 'pull_request', 'issue', 'opened', 'branches', 'types', 'abcdef'])).toBe(expected);
  });
  it.each([
    ['pushh', ['push', 'pull_request'], ' Did you mean `push`?'],
    ['sucess', ['success', 'failure'], ' Did you mean `success`?'],
    ['actve', ['active', 'invalid', 'deleted'], ' Did you mean `active`?'],
    ['rusn', ['runs', 'runners', 'events'], ' Did you mean `runs`?'],
    ['zzz', ['push'], ''],
  ])('didYouMean(%j)', (word, candidates, hint) => {
    expect(didYouMean(word, candidates)).toBe(hint);
  });
  it('lists names', () => {
    expect(listOfNames([])).toBe('');
    expect(listOfNames(['a'])).toBe('`a`');
    expect(listOfNames(['a', 'b', 'c'])).toBe('`a`, `b` or `c`');
    expect(listOfNames(['a', 'b'], 'and')).toBe('`a` and `b`');
  });
});

describe('Python literals', () => {
  it.each([
    ['"a"', { kind: 'str', value: 'a' }],
    ["''", { kind: 'str', value: '' }],
    ["''''''", { kind: 'str', value: '' }],
    ['"""a"b"""', { kind: 'str', value: 'a"b' }],
    ['"a\\\nb"', { kind: 'str', value: 'ab' }],
    ['"\\x41\\u00e9\\U0001F600\\0"', { kind: 'str', value: 'Aé😀\0' }],
    ['b"\\u00e9"', { kind: 'bytes', value: '\\u00e9' }],
    ['Rb"\\n"', { kind: 'bytes', value: '\\n' }],
    ['rf"{x}"', { kind: 'f-string' }],
    ['F"x"', { kind: 'f-string' }],
    ['"\\xZZ"', { kind: 'invalid', reason: '`\\xZZ` is not a valid escape' }],
    ['"unterminated', { kind: 'str', value: 'unterminated' }],
  ])('decodes %s', (text, expected) => {
    expect(decodeStringLiteral(text)).toEqual(expected);
  });

  // Where each UTF-16 unit of the value was written: an escape's characters all come from its backslash.
  it.each([
    ['"ab"', [1, 2]],
    ['r"\\d"', [2, 3]],
    ['"\\d\\\\x"', [1, 2, 3, 5]],
    ['"""a\r\nb"""', [3, 5, 6]],
    ['"\\x41\\U0001F600"', [1, 5, 5]],
    ['"a\\\nb"', [1, 4]],
  ])('locates the characters of %j', (text, offsets) => {
    const literal = decodeLocatedStringLiteral(text);
    expect(literal.kind === 'str' ? literal.offsets : literal).toEqual(offsets);
  });
  it.each([
    ['0', 0], ['1_000', 1000], ['0xff', 255], ['0O17', 15], ['0b11', 3], ['1.5e2', 150], ['.5', 0.5],
    ['1j', undefined], ['0xg', undefined], ['1e999', undefined],
  ])('number %s', (text, expected) => {
    expect(decodeNumberLiteral(text)).toBe(expected);
  });
});

describe('source decoding', () => {
  it('decodes UTF-8 and drops a byte-order mark', () => {
    expect(decodeSource(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]))).toEqual({ ok: true, text: 'a' });
    expect(decodeSource('\uFEFFa')).toEqual({ ok: true, text: 'a' });
  });
  it('counts UTF-8 bytes of strings', () => {
    for (const text of ['', 'abc', 'é', '€', '😀', 'a\uD800b', '\uDC00']) {
      expect(utf8Length(text)).toBe(new TextEncoder().encode(text).length);
    }
  });
  it('finds the first invalid byte', () => {
    expect(firstInvalidUtf8Byte(new Uint8Array([0x61, 0xc3, 0xa9, 0xff]))).toBe(3);
    expect(firstInvalidUtf8Byte(new Uint8Array([0x80]))).toBe(0);
    expect(firstInvalidUtf8Byte(new Uint8Array([0xe0, 0x80, 0x80]))).toBe(0);
    expect(firstInvalidUtf8Byte(new Uint8Array([0xf0, 0x9f, 0x98, 0x80]))).toBe(4);
  });
});

describe('workflow paths and names', () => {
  it.each([
    ['.plue/workflows/ci.py', true], ['./.plue/workflows/ci.py', true], ['.plue/workflows/a.b.py', true],
    ['.plue/workflows/sub/ci.py', false], ['.plue/workflows/.py', false], ['.plue/workflows/ci.pyc', false],
    ['plue/workflows/ci.py', false], ['x/.plue/workflows/ci.py', false], ['.plue/ci.py', false],
  ])('isWorkflowPath(%j) = %s', (path, expected) => {
    expect(isWorkflowPath(path)).toBe(expected);
  });
  it('names a lone workflow after its file, others after their function', () => {
    expect(fileStem('.plue/workflows/deploy.prod.py')).toBe('deploy.prod');
    expect(defaultWorkflowName('.plue/workflows/ci.py', 'build', 1)).toBe('ci');
    expect(defaultWorkflowName('.plue/workflows/ci.py', 'build', 2)).toBe('build');
  });
  it.each([['a', true], ['_x-1', true], ['A_b', true], ['1a', false], ['-a', false], ['a b', false], ['', false], ['é', false]])(
    'input name %j valid: %s',
    (name, expected) => {
      expect(isValidInputName(name)).toBe(expected);
    },
  );
});
