// The one place croner is configured. It matches a cron against wall-clock times, given and returned as
// milliseconds since the epoch read as UTC ("wall ms"); zone-clock.ts maps them onto instants, so every
// time zone gets the same DST rules (GitHub's), whatever croner does for its own time zones.
import { Cron } from 'croner';
import { cronFields } from './cron-fields.js';
import { cronSyntaxProblem } from './cron-syntax.js';

const OPTIONS = {
  mode: '5-part',
  // Wall ms are UTC-shaped; an offset of 0 (not `timezone: 'UTC'`) keeps croner on its fast path.
  utcOffset: 0,
  // Vixie cron: with both day fields restricted, a day matching either one fires.
  domAndDow: false,
} as const;

// Parsing costs ~30µs and a scheduler asks about the same few crons again and again.
const CACHE_LIMIT = 1000;
const cache = new Map<string, Cron>();

/** Croner's reading of an accepted expression; throws an Error saying why for any other. */
export function cronPattern(expression: string): Cron {
  let pattern = cache.get(expression);
  if (pattern === undefined) {
    const problem = cronSyntaxProblem(expression);
    if (problem !== null) throw new Error(problem);
    pattern = readByCroner(expression);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(expression, pattern);
  }
  return pattern;
}

/** The first matching wall time strictly after `wallMs`, or null when there is none. */
export function nextWallMatch(pattern: Cron, wallMs: number): number | null {
  return pattern.nextRun(new Date(wallMs))?.getTime() ?? null;
}

/** The last matching wall time at or before `wallMs`, or null. */
export function lastWallMatch(pattern: Cron, wallMs: number): number | null {
  // previousRuns returns runs strictly before its reference.
  return pattern.previousRuns(1, new Date(wallMs + 1))[0]?.getTime() ?? null;
}

function readByCroner(expression: string): Cron {
  try {
    return new Cron(cronFields(expression).join(' '), OPTIONS);
  } catch (error) {
    // Not expected, the syntax check being stricter; still, never accept what croner cannot schedule.
    throw new Error(`croner cannot read it (${(error as Error).message})`);
  }
}
