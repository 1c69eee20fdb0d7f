import { describe, expect, it } from 'vitest';
import { applyUpdates, classifyHookUpdate, diffRefs, refUpdateKey, ZERO_SHA } from '../../../server/core/refs/diff.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const refs = (entries: Record<string, string | undefined>) =>
  new Map(Object.entries(entries).filter((e): e is [string, string] => e[1] !== undefined));

describe('diffRefs', () => {
  it.each([
    { name: 'nothing changed', stored: { 'refs/heads/main': A }, current: { 'refs/heads/main': A }, want: [] },
    {
      name: 'created', stored: {}, current: { 'refs/heads/main': A },
      want: [{ ref: 'refs/heads/main', before: ZERO_SHA, after: A }],
    },
    {
      name: 'updated', stored: { 'refs/heads/main': A }, current: { 'refs/heads/main': B },
      want: [{ ref: 'refs/heads/main', before: A, after: B }],
    },
    {
      name: 'deleted', stored: { 'refs/tags/v1': A }, current: {},
      want: [{ ref: 'refs/tags/v1', before: A, after: ZERO_SHA }],
    },
    {
      name: 'several, sorted by ref',
      stored: { 'refs/heads/z': A, 'refs/heads/a': A },
      current: { 'refs/heads/a': B, 'refs/heads/m': C },
      want: [
        { ref: 'refs/heads/a', before: A, after: B },
        { ref: 'refs/heads/m', before: ZERO_SHA, after: C },
        { ref: 'refs/heads/z', before: A, after: ZERO_SHA },
      ],
    },
  ])('$name', ({ stored, current, want }) => {
    expect(diffRefs(refs(stored), refs(current))).toEqual(want);
  });
});

describe('classifyHookUpdate', () => {
  it.each([
    { name: 'stored is old, ref is new: record', stored: { 'refs/heads/main': A }, now: { 'refs/heads/main': B }, update: [A, B], want: 'record' },
    { name: 'new ref, nothing stored: record', stored: {}, now: { 'refs/heads/main': B }, update: [ZERO_SHA, B], want: 'record' },
    { name: 'deletion of a stored ref: record', stored: { 'refs/heads/main': A }, now: {}, update: [A, ZERO_SHA], want: 'record' },
    { name: 'stored is new: already recorded', stored: { 'refs/heads/main': B }, now: { 'refs/heads/main': B }, update: [A, B], want: 'already-recorded' },
    { name: 'deleted and already gone', stored: {}, now: {}, update: [A, ZERO_SHA], want: 'already-recorded' },
    { name: 'another door moved past old: stale', stored: { 'refs/heads/main': C }, now: { 'refs/heads/main': C }, update: [A, B], want: 'stale' },
    { name: 'the ref moved on since (A→B, then B→C): stale', stored: { 'refs/heads/main': A }, now: { 'refs/heads/main': C }, update: [A, B], want: 'stale' },
    { name: 'a late line after A→B→A: stale, not a second A→B', stored: { 'refs/heads/main': A }, now: { 'refs/heads/main': A }, update: [A, B], want: 'stale' },
  ])('$name', ({ stored, now, update, want }) => {
    const [before, after] = update as [string, string];
    expect(classifyHookUpdate(refs(stored), refs(now), { ref: 'refs/heads/main', before, after })).toBe(want);
  });

  it('records a line that a baseline taken just after the push already shows (nothing recorded for the ref yet)', () => {
    const update = { ref: 'refs/heads/main', before: ZERO_SHA, after: B };
    expect(classifyHookUpdate(refs({ 'refs/heads/main': B }), refs({ 'refs/heads/main': B }), update, 0)).toBe('record');
    expect(classifyHookUpdate(refs({ 'refs/heads/main': B }), refs({ 'refs/heads/main': B }), update, 1)).toBe('already-recorded');
  });
});

describe('applyUpdates and refUpdateKey', () => {
  it('moves, creates and deletes refs', () => {
    const next = applyUpdates(refs({ 'refs/heads/main': A, 'refs/tags/v1': A }), [
      { ref: 'refs/heads/main', before: A, after: B },
      { ref: 'refs/tags/v1', before: A, after: ZERO_SHA },
      { ref: 'refs/heads/dev', before: ZERO_SHA, after: C },
    ]);
    expect(Object.fromEntries(next)).toEqual({ 'refs/heads/main': B, 'refs/heads/dev': C });
  });

  it('gives the same key for the same update from any door, and another one for a repeat of it', () => {
    const update = { ref: 'refs/heads/main', before: A, after: B };
    expect(refUpdateKey(update, 0)).toBe(`ref:refs/heads/main:0:${A}:${B}`);
    expect(refUpdateKey(update, 2)).not.toBe(refUpdateKey(update, 0));
  });
});
