import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { refNameFromBytes, refNameToBytes } from '../../../server/core/refs/ref-bytes.js';

const bytes = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

describe('ref names as bytes', () => {
  it.each([
    [bytes('refs/heads/main'), 'refs/heads/main'],
    [bytes('refs/heads/caf\u00e9-\u{1f680}'), 'refs/heads/caf\u00e9-\u{1f680}'],
    [bytes('refs/heads/feature/x', [0xff]), 'refs/heads/feature/x\\xff'],
    [bytes('refs/heads/feature/x', [0xfe]), 'refs/heads/feature/x\\xfe'],
    [bytes('refs/heads/', [0xc3], 'x'), 'refs/heads/\\xc3x'], // a sequence cut short
    [bytes('refs/heads/', [0xc0, 0xaf]), 'refs/heads/\\xc0\\xaf'], // an overlong form
    [bytes('refs/heads/', [0xed, 0xa0, 0x80]), 'refs/heads/\\xed\\xa0\\x80'], // a surrogate
    [bytes('refs/heads/', [0xe9], '\u00e9'), 'refs/heads/\\xe9\u00e9'],
  ])('%j is %j', (raw, name) => {
    expect(refNameFromBytes(raw)).toBe(name);
    expect(refNameToBytes(name).equals(raw)).toBe(true);
  });

  it('never maps two byte strings without a backslash (as ref names are) to one name, and always turns back', () => {
    const refBytes = fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b.filter((x) => x !== 0x5c)));
    fc.assert(fc.property(refBytes, refBytes, (a, b) => {
      expect(refNameToBytes(refNameFromBytes(a)).equals(a)).toBe(true);
      if (!a.equals(b)) expect(refNameFromBytes(a)).not.toBe(refNameFromBytes(b));
    }), { numRuns: 2000 });
  });
});
