import { describe, expect, it } from 'vitest';
import { EVENT_RETRY_BACKOFF, backoffCeilingMs, retryDelayMs } from '../../../server/core/trigger/retry-backoff.js';

describe('event retry backoff (base 1 s, factor 2, cap 5 min, full jitter)', () => {
  it.each<[number, number]>([
    [0, 1_000], // no attempt counted yet reads as the first
    [1, 1_000],
    [2, 2_000],
    [3, 4_000],
    [4, 8_000],
    [5, 16_000],
    [9, 256_000],
    [10, 300_000], // 512 s, capped
    [50, 300_000],
    [10_000, 300_000], // the power overflows to Infinity: still the cap
  ])('after attempt %i the ceiling is %i ms', (attempt, ceiling) => {
    expect(backoffCeilingMs(attempt)).toBe(ceiling);
  });

  it.each<[number, number, number]>([
    [1, 0, 0],
    [1, 0.5, 500],
    [1, 0.999999, 999],
    [3, 0.25, 1_000],
    [4, 0.75, 6_000],
    [20, 0.5, 150_000],
    [20, 0, 0],
  ])('after attempt %i with random %f the delay is %i ms', (attempt, random, delay) => {
    expect(retryDelayMs(attempt, () => random)).toBe(delay);
  });

  it('takes another policy', () => {
    const policy = { baseMs: 10, factor: 3, capMs: 100 };
    expect([1, 2, 3, 4].map((a) => backoffCeilingMs(a, policy))).toEqual([10, 30, 90, 100]);
    expect(retryDelayMs(2, () => 0.5, policy)).toBe(15);
  });

  it('stays below its ceiling with the real random source', () => {
    for (let attempt = 1; attempt <= 12; attempt++) {
      const delay = retryDelayMs(attempt);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(backoffCeilingMs(attempt, EVENT_RETRY_BACKOFF));
    }
  });
});
