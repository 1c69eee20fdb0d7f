import { describe, expect, it } from 'vitest';
import { parseHookDelivery, parseHookLines } from '../../../server/core/refs/hook-lines.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const S256 = 'c'.repeat(64);

describe('parseHookLines', () => {
  it.each([
    { name: 'one update', text: `${A} ${B} refs/heads/main\n`, updates: [[A, B, 'refs/heads/main']], invalid: [] },
    { name: 'several, blank lines and CRLF', text: `${A} ${B} refs/heads/a\r\n\n${B} ${A} refs/tags/v1`, updates: [[A, B, 'refs/heads/a'], [B, A, 'refs/tags/v1']], invalid: [] },
    { name: 'sha256 ids', text: `${S256} ${S256} refs/heads/x`, updates: [[S256, S256, 'refs/heads/x']], invalid: [] },
    { name: 'not a ref', text: `${A} ${B} HEAD`, updates: [], invalid: [`${A} ${B} HEAD`] },
    { name: 'short id', text: `abc ${B} refs/heads/x`, updates: [], invalid: [`abc ${B} refs/heads/x`] },
    { name: 'extra field', text: `${A} ${B} refs/heads/x y`, updates: [], invalid: [`${A} ${B} refs/heads/x y`] },
  ])('$name', ({ text, updates, invalid }) => {
    const parsed = parseHookLines(text);
    expect(parsed.updates.map((u) => [u.before, u.after, u.ref])).toEqual(updates);
    expect(parsed.invalid).toEqual(invalid);
  });
});

describe('parseHookDelivery', () => {
  it('reads the repository path from the first line', () => {
    expect(parseHookDelivery(`/srv/repos/acme/app.git\n${A} ${B} refs/heads/main\n`)).toEqual({
      repositoryPath: '/srv/repos/acme/app.git', updates: [{ before: A, after: B, ref: 'refs/heads/main' }], invalid: [],
    });
  });

  it.each(['', '\nfoo', 'relative/path\n'])('refuses a delivery without an absolute path: %j', (text) => {
    expect(parseHookDelivery(text)).toBeNull();
  });
});
