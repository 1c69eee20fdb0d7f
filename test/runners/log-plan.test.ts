import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanLine, planLogAppend, truncatedMarker } from '../../server/services/runners/log-plan.js';
import type { LogLimits } from '../../server/services/runners/log-plan.js';
import { hashToken, loadRegistrationToken, newRunnerToken, newTaskToken } from '../../server/services/runners/tokens.js';
import { createTempDir, removeTempDirs } from '../git/fixtures.js';

afterAll(removeTempDirs);

const limits: LogLimits = { maxLineChars: 10, maxTaskBytes: 100, maxTaskLines: 6 };
const state = (lines: number, bytes = lines, truncated = false) => ({ log_lines: lines, log_bytes: bytes, log_truncated: truncated });

describe('planLogAppend', () => {
  it.each([
    ['first batch', state(0), 0, ['a', 'b'], { firstLine: 0, lines: ['a', 'b'], next: state(2) }],
    ['next batch', state(2), 2, ['c'], { firstLine: 2, lines: ['c'], next: state(3) }],
    ['exact retry', state(2), 0, ['a', 'b'], { firstLine: 2, lines: [], next: state(2) }],
    ['overlapping retry', state(2), 1, ['b', 'c'], { firstLine: 2, lines: ['c'], next: state(3) }],
    ['empty batch', state(2), 2, [], { firstLine: 2, lines: [], next: state(2) }],
    ['long line cut', state(0), 0, ['0123456789abc'], { firstLine: 0, lines: ['0123456789 [plue: line cut at 10 characters]'], next: state(1, 44) }],
    ['line limit: the marker takes the last line', state(4), 4, ['e', 'f', 'g'],
      { firstLine: 4, lines: ['e', truncatedMarker(limits)], next: state(7, 5, true) }],
    ['byte limit', state(1, 95), 1, ['123456', 'x'], { firstLine: 1, lines: [truncatedMarker(limits)], next: state(3, 95, true) }],
    ['after truncation lines are counted only', state(7, 5, true), 7, ['h', 'i'], { firstLine: 7, lines: [], next: state(9, 5, true) }],
  ])('%s', (_name, before, offset, lines, expected) => {
    expect(planLogAppend(before, offset, lines, limits)).toEqual({ kind: 'append', ...expected });
  });

  it('refuses an offset that would leave a hole', () => {
    expect(planLogAppend(state(2), 3, ['x'], limits)).toEqual({ kind: 'gap', expected: 2 });
  });

  it.each([
    ['plain', 'plain'],
    ['crlf\r', 'crlf'],
    ['nul\0byte', 'nulbyte'],
  ])('cleans %j', (raw, clean) => {
    expect(cleanLine(raw, 100)).toBe(clean);
  });
});

describe('tokens', () => {
  it('are random, prefixed, and stored as SHA-256', () => {
    const [a, b] = [newRunnerToken(), newRunnerToken()];
    expect(a).not.toBe(b);
    expect(a).toMatch(/^plr_/);
    expect(newTaskToken()).toMatch(/^plt_/);
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('generates the registration token once and keeps it in the data folder', async () => {
    const dataDir = await createTempDir('plue-data-');
    const first = await loadRegistrationToken(null, dataDir);
    const second = await loadRegistrationToken(null, dataDir);
    expect(first).toEqual({ token: expect.stringMatching(/^plreg_/), generated: true, file: path.join(dataDir, 'runner-registration-token') });
    expect(second).toEqual({ ...first, generated: false });
    expect((await readFile(first.file!, 'utf8')).trim()).toBe(first.token);
    expect(await loadRegistrationToken('configured', dataDir)).toEqual({ token: 'configured', generated: false, file: null });
  });
});
