// A time zone's wall clock, and GitHub's rules for wall times that DST skips or repeats: a skipped time fires at
// the first valid time after the gap (02:30 → 03:00); a repeated time fires once, at its first occurrence.
// https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#onschedule
// Wall times are milliseconds since the epoch read as UTC ("wall ms"), the shape cron-pattern.ts works in.

const DAY_MS = 86_400_000;
// Long enough to hold any fall-back (the largest today is an hour; Lord Howe's is 30 minutes).
const FALL_BACK_MS = 3 * 3_600_000;

const formatters = new Map<string, Intl.DateTimeFormat | null>();

/** Intl's clock for a zone, null for UTC (no offset ever); throws RangeError for an unknown zone. */
function formatter(zone: string): Intl.DateTimeFormat | null {
  let format = formatters.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    if (format.resolvedOptions().timeZone === 'UTC') format = null;
    formatters.set(zone, format);
  }
  return format;
}

/** The zone's offset from UTC at an instant: its wall clock minus UTC, in ms. */
export function offsetAt(zone: string, instantMs: number): number {
  const format = formatter(zone);
  if (format === null) return 0;
  const second = Math.floor(instantMs / 1000) * 1000;
  const part: Record<string, number> = {};
  for (const { type, value } of format.formatToParts(second)) part[type] = Number(value);
  const wall = Date.UTC(part.year as number, (part.month as number) - 1, part.day, part.hour, part.minute, part.second);
  return wall - second;
}

/** The wall time an instant shows. */
export function wallAt(zone: string, instantMs: number): number {
  return instantMs + offsetAt(zone, instantMs);
}

/** The instant a wall time fires at: its only or first occurrence, or for a skipped time the end of the gap. */
export function firstInstantOf(zone: string, wallMs: number): number {
  const before = offsetAt(zone, wallMs - DAY_MS);
  const after = offsetAt(zone, wallMs + DAY_MS);
  // The larger offset gives the earlier instant, the first occurrence of a repeated time.
  for (const offset of before >= after ? [before, after] : [after, before]) {
    if (wallAt(zone, wallMs - offset) === wallMs) return wallMs - offset;
  }
  // Skipped: the clock jumped from `before` to `after` somewhere in between.
  return transition(zone, wallMs - after, wallMs - before);
}

/**
 * firstInstantOf for wall times asked in increasing order, with fewer trips to Intl: once a wall time is placed,
 * the day after it is checked for a change of offset, and while there is none the offset is simply applied.
 * (No zone changes its offset twice within a day and back.)
 */
export function firstInstantPlacer(zone: string): (wallMs: number) => number {
  let offset = 0;
  let from = Infinity;
  let to = -Infinity;
  return (wallMs) => {
    const guess = wallMs - offset;
    if (guess >= from && guess <= to) return guess;
    const instant = firstInstantOf(zone, wallMs);
    offset = offsetAt(zone, instant);
    // A repeated time starts at most FALL_BACK_MS before its second pass, so from `instant` on, with one offset
    // since FALL_BACK_MS before it, each wall time occurs once.
    const steady = offsetAt(zone, instant - FALL_BACK_MS) === offset && offsetAt(zone, instant + DAY_MS) === offset;
    from = steady ? instant : Infinity;
    to = steady ? instant + DAY_MS : -Infinity;
    return instant;
  };
}

/**
 * The latest wall time whose instant is at or before `instantMs`. That is the wall clock itself, except in the
 * second pass through a repeated hour, where the first pass has already fired the times up to the hour's end.
 */
export function wallReachedBy(zone: string, instantMs: number): number {
  const now = offsetAt(zone, instantMs);
  const earlier = offsetAt(zone, instantMs - FALL_BACK_MS);
  if (earlier <= now) return instantMs + now;
  const fellBack = transition(zone, instantMs - FALL_BACK_MS, instantMs);
  return Math.max(instantMs + now, fellBack - 1 + earlier);
}

/** The first instant in (`from`, `to`] whose offset is that of `to`, to the second: offsets change on one. */
function transition(zone: string, from: number, to: number): number {
  const target = offsetAt(zone, to);
  let low = Math.floor(from / 1000);
  let high = Math.ceil(to / 1000);
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (offsetAt(zone, middle * 1000) === target) high = middle;
    else low = middle;
  }
  return high * 1000;
}
