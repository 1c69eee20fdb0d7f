import { parseArgs } from 'node:util';
import type { DiagnosticCode } from '../core/language/diagnostic-codes.js';
import { cronErrorMessage, nextInstants, timezoneProblem, wallAt } from '../core/schedule/index.js';
import type { CommandIO } from './io.js';
import { UsageError } from './usage.js';

const MAX_COUNT = 100;

const HELP = `usage: plue-trigger cron EXPR [--timezone ZONE] [--from ISO] [--count N] [--json]

Prints when schedule(cron=EXPR, timezone=ZONE) fires next, in UTC and in the zone. Quote EXPR:
  plue-trigger cron "30 2 * * *" --timezone Europe/Berlin

  --timezone ZONE   IANA time zone the cron is read in (default UTC)
  --from ISO        start after this instant, e.g. 2026-03-29T00:00:00Z (default now)
  --count N         how many fire times, 1 to ${MAX_COUNT} (default 5)
  --json            print {"valid": true|false, "next": [...], "diagnostics": [{"code", "message"}]}
Exit status: 0 valid, 1 invalid, 2 bad usage.`;

// A date, or a date and time with its offset: without one, the time would be read in this machine's zone.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/i;
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

interface CronDiagnostic {
  code: DiagnosticCode;
  message: string;
}

export async function runCron(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      timezone: { type: 'string', default: 'UTC' },
      from: { type: 'string' },
      count: { type: 'string', default: '5' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  if (positionals.length !== 1) {
    const example = positionals.length === 0 ? '0 3 * * *' : positionals.join(' ');
    throw new UsageError(`give the cron expression as one quoted argument: plue-trigger cron "${example}"`);
  }
  const [expression = ''] = positionals;
  const { timezone } = values;
  const from = instantFrom(values.from);
  const count = countFrom(values.count);
  const diagnostics = scheduleDiagnostics(expression, timezone);
  const next = diagnostics.length === 0 ? nextInstants(expression, timezone, from, count) : [];
  if (values.json) {
    io.out(JSON.stringify({ valid: diagnostics.length === 0, next: next.map(isoSeconds), diagnostics }, null, 2));
  } else {
    for (const instant of next) io.out(`${isoSeconds(instant)}  (${wallClock(instant, timezone)})`);
    for (const d of diagnostics) io.err(`error ${d.code}: ${d.message}`);
  }
  return diagnostics.length === 0 ? 0 : 1;
}

/** The problems `check` would report for schedule(cron=expression, timezone=timezone). */
function scheduleDiagnostics(expression: string, timezone: string): CronDiagnostic[] {
  const diagnostics: CronDiagnostic[] = [];
  const cron = cronErrorMessage(expression);
  if (cron !== null) diagnostics.push({ code: 'bad-cron', message: cron });
  const zone = timezoneProblem(timezone);
  if (zone !== null) diagnostics.push({ code: 'bad-timezone', message: zone });
  return diagnostics;
}

function instantFrom(text: string | undefined): Date {
  if (text === undefined) return new Date();
  const ms = ISO_INSTANT.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) throw new UsageError(`--from must be an ISO 8601 date, or date and time with an offset (2026-03-29T00:00:00Z), got ${text}`);
  return new Date(ms);
}

function countFrom(text: string): number {
  const count = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(count >= 1 && count <= MAX_COUNT)) throw new UsageError(`--count must be a whole number from 1 to ${MAX_COUNT}, got ${text}`);
  return count;
}

/** `2026-03-29T01:00:00Z`: instants are whole minutes, so no milliseconds. */
function isoSeconds(instant: Date): string {
  return instant.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `03:00 Sun 29 Mar Europe/Berlin`: the zone's wall clock at the instant. */
function wallClock(instant: Date, timezone: string): string {
  const wall = new Date(wallAt(timezone, instant.getTime()));
  const time = wall.toISOString().slice(11, 16);
  return `${time} ${WEEKDAYS[wall.getUTCDay()]} ${wall.getUTCDate()} ${MONTHS[wall.getUTCMonth()]} ${timezone}`;
}
