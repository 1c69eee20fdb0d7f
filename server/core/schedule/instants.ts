// Fire instants of a schedule: croner finds the matching wall times, zone-clock.ts places them in time.
import type { Cron } from 'croner';
import { cronPattern, lastWallMatch, nextWallMatch } from './cron-pattern.js';
import { firstInstantOf, firstInstantPlacer, wallReachedBy } from './zone-clock.js';

/** The fire instants strictly after `afterMs`, in order, each once (skipped times can meet at a gap's end). */
export function* instantsAfter(pattern: Cron, zone: string, afterMs: number): Generator<number, void, undefined> {
  const place = firstInstantPlacer(zone);
  let wall = wallReachedBy(zone, afterMs);
  let last = afterMs;
  for (;;) {
    const next = nextWallMatch(pattern, wall);
    if (next === null) return;
    wall = next;
    const instant = place(next);
    if (instant > last) {
      last = instant;
      yield instant;
    }
  }
}

/** The last fire instant at or before `instantMs`, or null. */
export function lastInstantBy(pattern: Cron, zone: string, instantMs: number): number | null {
  const wall = lastWallMatch(pattern, wallReachedBy(zone, instantMs));
  return wall === null ? null : firstInstantOf(zone, wall);
}

/**
 * The next `count` fire instants of `cron` in `timezone` strictly after `after`. The cron and zone must be
 * valid (cronProblem and timezoneProblem say null); otherwise this throws.
 */
export function nextInstants(cron: string, timezone: string, after: Date, count: number): Date[] {
  const instants: Date[] = [];
  if (count <= 0) return instants;
  for (const instant of instantsAfter(cronPattern(cron), timezone, after.getTime())) {
    instants.push(new Date(instant));
    if (instants.length >= count) break;
  }
  return instants;
}
