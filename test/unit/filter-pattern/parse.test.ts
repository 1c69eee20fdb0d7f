import { describe, expect, it } from 'vitest';
import { parseFilterPattern, patternLints, type PatternKind } from '../../../server/core/filter-pattern/index.js';

describe('parseFilterPattern', () => {
  it.each([
    'main', 'feature/*', 'feature/**', '**', '*', 'v[12].[0-9]+.[0-9]+', '!release/old', 'v?1', 'a+b', '[abc]',
    '[a-zA-Z0-9]', '\\*literal', '\\!', 'x\\\\', 'docs/**/*.md', '**/README.md', 'é/ünïcode', '[ab]?', '[0-9]+', '😀?',
  ])('accepts %j', (pattern) => {
    expect(parseFilterPattern(pattern).ok).toBe(true);
  });

  it('reads a pattern into its nodes, with the offset of each', () => {
    const parsed = parseFilterPattern('!a?**/[0-9]+*\\**');
    expect(parsed).toEqual({
      ok: true,
      pattern: {
        negated: true,
        nodes: [
          { kind: 'char', char: 'a', escaped: false, repeat: '?', offset: 1 },
          { kind: 'folders', offset: 3 },
          { kind: 'set', ranges: [{ low: '0', high: '9' }], repeat: '+', offset: 6 },
          { kind: 'star', offset: 12 },
          { kind: 'char', char: '*', escaped: true, repeat: '', offset: 13 },
          { kind: 'star', offset: 15 },
        ],
      },
    });
  });

  // [pattern, message, hint, offset]
  it.each([
    ['', 'the pattern is empty', undefined, null],
    ['!', 'the pattern after `!` is empty', 'write the pattern to exclude after `!`', 0],
    ['[ab', '`[` at character 1 is never closed', 'write `\\[` for a literal `[`', 0],
    ['x[]', 'empty `[]` at character 2', 'list letters, digits or ranges like `a-z` inside', 1],
    ['[z-a]', 'range `z-a` at character 2: ranges can only go upwards within a-z, A-Z or 0-9', undefined, 1],
    ['[a-Z]', 'range `a-Z` at character 2: ranges can only go upwards within a-z, A-Z or 0-9', undefined, 1],
    ['[._]', '`.` at character 2: `[...]` may only list letters, digits and ranges', undefined, 1],
    ['[a-]', '`-` at character 3 must sit between the two ends of a range like `a-z`', undefined, 2],
    ['a\\', '`\\` at the end escapes nothing', 'write `\\\\` for a literal backslash', 1],
    ['+a', '`+` at character 1 must follow a character or a `[...]` set', 'write `\\+` for a literal `+`', 0],
    ['*+', '`+` at character 2 must follow a character or a `[...]` set', 'write `\\+` for a literal `+`', 1],
    ['a++', '`+` at character 3 must follow a character or a `[...]` set', 'write `\\+` for a literal `+`', 2],
    ['!+', '`+` at character 2 must follow a character or a `[...]` set', 'write `\\+` for a literal `+`', 1],
    ['**/?', '`?` at character 4 must follow a character or a `[...]` set', 'write `\\?` for a literal `?`', 3],
    ['😀[', '`[` at character 2 is never closed', 'write `\\[` for a literal `[`', 1],
  ])('rejects %j: %s', (pattern, message, hint, offset) => {
    expect(parseFilterPattern(pattern)).toEqual({ ok: false, problems: [{ message, offset, ...(hint === undefined ? {} : { hint }) }] });
  });
});

function lintsOf(pattern: string, kind: PatternKind): string[] {
  const parsed = parseFilterPattern(pattern);
  if (!parsed.ok) throw new Error(`invalid: ${pattern}`);
  return patternLints(pattern, kind, parsed.pattern).map((l) => `${l.severity} ${l.code} @${l.offset}`);
}

describe('patternLints', () => {
  it('quotes the set as written', () => {
    const parsed = parseFilterPattern('x[a-a]');
    expect(parsed.ok && patternLints('x[a-a]', 'ref', parsed.pattern)[0]?.message).toBe('`[a-a]` in `x[a-a]` matches only `a`; write `a`');
  });

  // [pattern, kind, lints]
  it.each<[string, PatternKind, string[]]>([
    ['main', 'ref', []],
    ['feature/**', 'ref', []],
    ['my branch', 'ref', ['error bad-ref-pattern @2']],
    ['a\tb', 'ref', ['error bad-ref-pattern @1']],
    ['a\nb', 'ref', ['error bad-ref-pattern @1']],
    ['v1~1', 'ref', ['error bad-ref-pattern @2']],
    ['v1^', 'ref', ['error bad-ref-pattern @2']],
    ['a:b', 'ref', ['error bad-ref-pattern @1']],
    ['a\\?', 'ref', ['error bad-ref-pattern @2']],
    ['a\\\\b', 'ref', ['error bad-ref-pattern @2']],
    ['/main', 'ref', ['error bad-ref-pattern @0']],
    ['!/main', 'ref', ['error bad-ref-pattern @1']],
    ['/', 'ref', ['error bad-ref-pattern @0']],
    ['main/', 'ref', ['error bad-ref-pattern @4']],
    ['v1.', 'ref', ['error bad-ref-pattern @2']],
    ['v1.?', 'ref', []],
    ['v1.+', 'ref', ['error bad-ref-pattern @2']],
    ['.', 'ref', ['error bad-ref-pattern @0']],
    ['/a b/', 'ref', ['error bad-ref-pattern @0', 'error bad-ref-pattern @2', 'error bad-ref-pattern @4']],
    ['v\\d+', 'ref', ['warning regex-escape @1']],
    ['v\\.1', 'ref', []],
    ['[r]elease', 'ref', ['warning single-character-set @0']],
    ['[a-a]', 'ref', ['warning single-character-set @0']],
    ['[ab]', 'ref', []],
    ['src/**', 'path', []],
    ['my docs/*.md', 'path', []],
    ['/src', 'path', ['error bad-glob @0']],
    ['!/src', 'path', ['error bad-glob @1']],
    ['./src/**', 'path', ['error bad-path-pattern @0']],
    ['src/../x', 'path', ['error bad-path-pattern @4']],
    ['**/../x', 'path', ['error bad-path-pattern @3']],
    ['src/.', 'path', ['error bad-path-pattern @4']],
    ['.github/**', 'path', []],
    ['a/.?/b', 'path', []],
    ['src/ ', 'path', ['warning path-whitespace @4']],
    [' src', 'path', ['warning path-whitespace @0']],
    ['!\tsrc', 'path', ['warning path-whitespace @1']],
    ['src/main:1', 'path', []],
    ['src/\\w*.py', 'path', ['warning regex-escape @4']],
    ['[x]/**', 'path', ['warning single-character-set @0']],
  ])('%j as a %s pattern: %j', (pattern, kind, expected) => {
    expect(lintsOf(pattern, kind)).toEqual(expected);
  });
});
