// What a scheduler asks on each tick: is a fire instant due since the last one handled, and when is the next?
import { cronPattern } from './cron-pattern.js';
import { instantsAfter, lastInstantBy } from './instants.js';

/** `missed` stops counting here, so a week of `* * * * *` (10,080 instants) costs no more than 1,000. */
export const MISSED_COUNT_LIMIT = 1000;

export interface Due {
  /** The latest instant in (after, now], if it is at most `catchUpMs` old; else null. */
  fire: Date | null;
  /** The instants in (after, now] that are not fired; at most MISSED_COUNT_LIMIT. */
  missed: number;
  /** The first instant strictly after `now`, or null when there is none. */
  next: Date | null;
}

/** The schedule's due instant in (after, now]; cron and timezone must be valid, as for nextInstants. */
export function dueInstant(
  schedule: { cron: string; timezone: string },
  after: Date,
  now: Date,
  catchUpMs: number,
): Due {
  const pattern = cronPattern(schedule.cron);
  const { timezone } = schedule;
  const nowMs = now.getTime();
  // Walk from `after`: a scheduler that keeps up finds the due instant and the next one in a step or two.
  let latest: number | null = null;
  let next: number | null = null;
  let inWindow = 0;
  for (const instant of instantsAfter(pattern, timezone, Math.min(after.getTime(), nowMs))) {
    if (instant > nowMs) {
      next = instant;
      break;
    }
    latest = instant;
    inWindow++;
    if (inWindow > MISSED_COUNT_LIMIT) {
      // Far behind: stop counting and jump to `now`.
      latest = lastInstantBy(pattern, timezone, nowMs);
      next = instantsAfter(pattern, timezone, nowMs).next().value ?? null;
      break;
    }
  }
  const fire = latest !== null && nowMs - latest <= catchUpMs ? latest : null;
  return {
    fire: fire === null ? null : new Date(fire),
    missed: Math.min(inWindow - (fire === null ? 0 : 1), MISSED_COUNT_LIMIT),
    next: next === null ? null : new Date(next),
  };
}
