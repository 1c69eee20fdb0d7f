import { describe, expect, it } from 'vitest';
import { caretLine, sourceLine } from '../../../server/core/dashboard/source-lines.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('source lines of diagnostics', () => {
  it.each([
    ['a\nb\nc', 2, 'b'],
    ['a\r\nb', 2, 'b'],
    ['a\nb', 3, null],
    ['a', 0, null],
    ['\ufeffx = 1', 1, 'x = 1'],
  ])('line of %j at %i', (text, line, expected) => {
    expect(sourceLine(bytes(text), line)).toBe(expected);
  });

  it('is null for a file that is not UTF-8', () => {
    expect(sourceLine(new Uint8Array([0x61, 0xff, 0x0a]), 1)).toBeNull();
  });

  it.each([
    ['on=push(brnches=[])', 9, '        ^'],
    ['\tx', 2, '\t^'],
    ['x', 1, '^'],
  ])('caret under %j at column %i', (text, column, expected) => {
    expect(caretLine(text, column)).toBe(expected);
  });
});
