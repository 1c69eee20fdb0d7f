import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFilterPattern, patternMatcher } from '../../../server/core/filter-pattern/index.js';

// The reference: the RegExp translation the service used before its matcher was linear. Exponential on some
// patterns, so it only ever sees short values here. Returns null for a pattern it rejects.
function referenceRegExp(pattern: string): RegExp | null {
  const chars = Array.from(pattern.startsWith('!') ? pattern.slice(1) : pattern);
  if (chars.length === 0) return null;
  const literal = (c: string): string => ('^$\\.*+?()[]{}|/'.includes(c) ? `\\${c}` : c);
  const alnum = /^[A-Za-z0-9]$/;
  const sameClass = (a: string, b: string): boolean => [/^[a-z]$/, /^[A-Z]$/, /^[0-9]$/].some((c) => c.test(a) && c.test(b)) && a <= b;
  let out = '';
  let canRepeat = false;
  for (let i = 0; i < chars.length;) {
    const c = chars[i] as string;
    if (c === '*') {
      const double = chars[i + 1] === '*';
      const folders = double && chars[i + 2] === '/';
      out += folders ? '(?:.+/)?' : double ? '.*' : '[^/]*';
      i += folders ? 3 : double ? 2 : 1;
      canRepeat = false;
    } else if (c === '?' || c === '+') {
      if (!canRepeat) return null;
      out += c;
      canRepeat = false;
      i += 1;
    } else if (c === '[') {
      let j = i + 1;
      let set = '';
      if (chars[j] === ']') return null;
      while (j < chars.length && chars[j] !== ']') {
        const low = chars[j] as string;
        if (!alnum.test(low)) return null;
        if (chars[j + 1] === '-' && chars[j + 2] !== undefined && chars[j + 2] !== ']') {
          if (!sameClass(low, chars[j + 2] as string)) return null;
          set += `${low}-${chars[j + 2]}`;
          j += 3;
        } else {
          set += low;
          j += 1;
        }
      }
      if (j >= chars.length) return null;
      out += `[${set}]`;
      canRepeat = true;
      i = j + 1;
    } else if (c === '\\') {
      if (chars[i + 1] === undefined) return null;
      out += literal(chars[i + 1] as string);
      canRepeat = true;
      i += 2;
    } else {
      out += literal(c);
      canRepeat = true;
      i += 1;
    }
  }
  return new RegExp(`^(?:${out})$`, 'su');
}

function matcherOf(pattern: string): ((value: string) => boolean) | null {
  const parsed = parseFilterPattern(pattern);
  return parsed.ok ? patternMatcher(parsed.pattern) : null;
}

const patternChars = fc.constantFrom('a', 'b', 'Z', '0', '9', '/', '*', '*', '?', '+', '[', ']', '-', '!', '\\', '.', 'é', '😀', 'z', '\n');
const valueChars = fc.constantFrom('a', 'b', 'Z', '0', '9', '/', '.', '-', 'é', '😀', '\n', '*', '?', '[', ']', '\\');

describe('the linear matcher', () => {
  it('accepts exactly the patterns the RegExp translation accepts', () => {
    fc.assert(
      fc.property(fc.array(patternChars, { maxLength: 12 }), (chars) => {
        const pattern = chars.join('');
        expect(matcherOf(pattern) === null).toBe(referenceRegExp(pattern) === null);
      }),
      { numRuns: 20_000 },
    );
  });

  it('agrees with the RegExp translation on random patterns and values', () => {
    const validPattern = fc.array(patternChars, { maxLength: 10 }).map((c) => c.join('')).filter((p) => referenceRegExp(p) !== null);
    fc.assert(
      fc.property(validPattern, fc.array(fc.array(valueChars, { maxLength: 12 }).map((c) => c.join('')), { maxLength: 8 }), (pattern, values) => {
        const reference = referenceRegExp(pattern) as RegExp;
        const matcher = matcherOf(pattern);
        expect(matcher).not.toBeNull();
        for (const value of values) expect(matcher?.(value), `${JSON.stringify(pattern)} on ${JSON.stringify(value)}`).toBe(reference.test(value));
      }),
      { numRuns: 5_000 },
    );
  });

  it('agrees on values made from the pattern itself (where matches are likely)', () => {
    const validPattern = fc.array(patternChars, { maxLength: 10 }).map((c) => c.join('')).filter((p) => referenceRegExp(p) !== null);
    fc.assert(
      fc.property(validPattern, fc.array(fc.nat(), { maxLength: 6 }), (pattern, picks) => {
        const literals = Array.from(pattern).filter((c) => !'*?+[]\\!'.includes(c));
        const value = picks.map((n) => literals[n % Math.max(literals.length, 1)] ?? 'a').join('');
        expect(matcherOf(pattern)?.(value)).toBe((referenceRegExp(pattern) as RegExp).test(value));
      }),
      { numRuns: 5_000 },
    );
  });
});

// Patterns that make a backtracking matcher take exponential time on a value that almost matches.
const hostile: Array<[string, string]> = [
  [`${'**a'.repeat(13)}**b`, 'a'.repeat(4000)],
  [`${'*a'.repeat(20)}*c`, 'a'.repeat(4000)],
  [`${'a+'.repeat(20)}b`, 'a'.repeat(4000)],
  [`${'x?'.repeat(30)}${'x'.repeat(30)}y`, 'x'.repeat(4000)],
  [`${'[a-z]+'.repeat(20)}0`, 'a'.repeat(4000)],
  [`${'**/a'.repeat(12)}/b`, 'a/'.repeat(2000)],
  [`${'*/**'.repeat(12)}c`, 'a/'.repeat(2000)],
  [`${'a?'.repeat(25)}${'a'.repeat(25)}`, 'a'.repeat(3000)],
];

describe('hostile patterns', () => {
  // The one wall-clock bound in this suite: an exponential matcher cannot meet it, a linear one meets it easily.
  it('all match in well under a second', () => {
    const started = performance.now();
    for (const [pattern, value] of hostile) expect(matcherOf(pattern)?.(value)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('still match what they should', () => {
    expect(matcherOf(`${'**a'.repeat(13)}**b`)?.(`${'a'.repeat(4000)}b`)).toBe(true);
    expect(matcherOf(`${'a+'.repeat(20)}b`)?.(`${'a'.repeat(4000)}b`)).toBe(true);
  });
});
