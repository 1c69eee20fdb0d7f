import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { globSyntaxError } from '../../../server/core/language/glob-syntax.js';
import { globProblem } from '../../../server/core/match/glob.js';

describe('globSyntaxError', () => {
  it.each([
    'main', 'feature/*', 'feature/**', '**', '*', 'v[12].[0-9]+.[0-9]+', '!release/old', 'v?1', 'a+b', '[abc]',
    '[a-zA-Z0-9]', '\\*literal', '\\!', 'x\\\\', 'docs/**/*.md', '**/README.md', 'é/ünïcode', '[ab]?', '[0-9]+',
  ])('accepts %j', (pattern) => {
    expect(globSyntaxError(pattern)).toBeNull();
  });

  it.each([
    ['', 'the pattern is empty'],
    ['!', '`!` must be followed by a pattern to exclude'],
    ['[ab', 'the `[` at character 1 is never closed; write `\\[` for a literal `[`'],
    ['x[]', 'the set `[]` at character 2 is empty'],
    ['[z-a]', 'the range `z-a` at character 2 must go upwards within a-z, A-Z or 0-9'],
    ['[a-Z]', 'the range `a-Z` at character 2 must go upwards within a-z, A-Z or 0-9'],
    ['[._]', '`.` at character 2: `[...]` may only list letters, digits and ranges'],
    ['[a-]', '`-` at character 3 must sit between the two ends of a range like `a-z`'],
    ['a\\', 'the pattern ends with a lone `\\`; write `\\\\` for a literal backslash'],
    ['+a', '`+` at character 1 must follow a character or a `[...]` set; write `\\+` for a literal `+`'],
    ['?a', '`?` at character 1 must follow a character or a `[...]` set; write `\\?` for a literal `?`'],
    ['*+', '`+` at character 2 must follow a character or a `[...]` set; write `\\+` for a literal `+`'],
    ['a++', '`+` at character 3 must follow a character or a `[...]` set; write `\\+` for a literal `+`'],
    ['!+', '`+` at character 2 must follow a character or a `[...]` set; write `\\+` for a literal `+`'],
    ['**/?', '`?` at character 4 must follow a character or a `[...]` set; write `\\?` for a literal `?`'],
  ])('rejects %j', (pattern, message) => {
    expect(globSyntaxError(pattern)).toBe(message);
  });

  it('rejects a leading slash only in paths', () => {
    expect(globSyntaxError('/src/**', 'path')).toBe('paths are relative to the repository root; remove the leading `/`');
    expect(globSyntaxError('!/src', 'path')).toBe('paths are relative to the repository root; remove the leading `/`');
    expect(globSyntaxError('/src/**', 'ref')).toBeNull();
  });

  // The matcher throws on a pattern it cannot compile; the parser must reject exactly those patterns first.
  it('agrees with the glob engine in core/match on which patterns are valid', () => {
    const alphabet = fc.constantFrom('a', 'Z', '0', '9', '/', '*', '?', '+', '[', ']', '-', '!', '\\', '.', 'é', 'z', 'A');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 12 }), (chars) => {
        const pattern = chars.join('');
        expect(globSyntaxError(pattern) === null).toBe(globProblem(pattern) === null);
      }),
      { numRuns: 20_000 },
    );
  });
});
