// The grammar of one cron field, checked strictly before croner sees it: croner also takes `L`, `W`, `#`, `?`
// and seconds, which GitHub's five-field POSIX cron does not, and its own errors do not name the field.
// https://docs.github.com/en/actions/reference/workflows-and-actions/events-that-trigger-workflows#schedule

export interface CronField {
  name: string;
  min: number;
  max: number;
  /** Three-letter names, index + `min` = value. */
  names?: readonly string[];
}

export const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

export const MINUTE: CronField = { name: 'minute', min: 0, max: 59 };
export const HOUR: CronField = { name: 'hour', min: 0, max: 23 };
export const DAY_OF_MONTH: CronField = { name: 'day of month', min: 1, max: 31 };
export const MONTH: CronField = { name: 'month', min: 1, max: 12, names: MONTH_NAMES };
// 7 is Sunday as well as 0, as in Vixie cron and croner.
export const DAY_OF_WEEK: CronField = { name: 'day of week', min: 0, max: 7, names: DAY_NAMES };

export const CRON_FIELDS: readonly CronField[] = [MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK];

/** The fields of an expression: separated by spaces or tabs, any number of them. */
export function cronFields(expression: string): string[] {
  return expression.split(/[ \t]+/).filter((field) => field !== '');
}

/** Why one field is not accepted, or null. */
export function cronFieldProblem(field: string, spec: CronField): string | null {
  for (const item of field.split(',')) {
    const problem = itemProblem(item, spec);
    if (problem !== null) return problem;
  }
  return null;
}

/** The values a valid field selects (7 stays 7: callers that care fold it onto Sunday). */
export function fieldValues(field: string, spec: CronField): number[] {
  const values: number[] = [];
  for (const item of field.split(',')) {
    const { low, high, step } = parseItem(item, spec) as ParsedItem;
    for (let value = low; value <= high; value += step) values.push(value);
  }
  return values;
}

interface ParsedItem { low: number; high: number; step: number }

/** A valid item as numbers; undefined when any part is invalid (itemProblem says which). */
function parseItem(item: string, spec: CronField): ParsedItem | undefined {
  const [range = '', stepText, extra] = item.split('/');
  if (extra !== undefined) return undefined;
  const step = stepText === undefined ? 1 : Number(stepText);
  if (range === '*') return { low: spec.min, high: spec.max, step };
  const [lowText = '', highText, more] = range.split('-');
  if (more !== undefined) return undefined;
  const low = valueOf(lowText, spec, false);
  const high = highText === undefined ? low : valueOf(highText, spec, true);
  return low === undefined || high === undefined ? undefined : { low, high, step };
}

function itemProblem(item: string, spec: CronField): string | null {
  if (item === '') return 'an empty list item';
  const unsupported = unsupportedConstruct(item, spec);
  if (unsupported !== null) return unsupported;
  const slash = item.indexOf('/');
  const range = slash < 0 ? item : item.slice(0, slash);
  if (slash >= 0) {
    const step = item.slice(slash + 1);
    if (!isDigits(step) || Number(step) === 0) return `the step \`${step}\` must be a positive whole number`;
    // `5/15`: Vixie cron reads it as 5 alone, croner and Quartz as 5-59/15; saying which is the user's job.
    if (range !== '*' && !range.includes('-')) {
      return `a step needs \`*/n\` or a range \`a-b/n\`, not \`${item}\` (write \`${range}-${spec.max}/${step}\` for every ${step} from ${range})`;
    }
    const span = spec.max - spec.min + 1;
    if (Number(step) > span) return `the step \`${step}\` is larger than the ${span} values of the field`;
  }
  if (range === '*') return null;
  const dash = range.indexOf('-');
  if (dash < 0) return valueProblem(range, spec, false);
  const low = range.slice(0, dash);
  const high = range.slice(dash + 1);
  const problem = valueProblem(low, spec, false) ?? valueProblem(high, spec, true);
  if (problem !== null) return problem;
  if ((valueOf(low, spec, false) as number) > (valueOf(high, spec, true) as number)) {
    return `the range \`${range}\` goes backwards`;
  }
  return null;
}

/** Quartz and croner extensions GitHub's cron does not have, named so the user knows what to drop. */
function unsupportedConstruct(item: string, spec: CronField): string | null {
  if (item.includes('?')) return '`?` is not supported (it is Quartz cron); write `*`';
  if (item.includes('#')) return `\`${item}\` uses \`#\` (the nth weekday), which is not supported`;
  // Names are whole words, so `JUL` and `WED` are not read as `L` or `W`.
  for (const word of item.toUpperCase().split(/[-/]/)) {
    if (spec.names?.includes(word)) continue;
    if (/^\d+W$/.test(word)) return `\`${item}\` uses \`W\` (the nearest weekday), which is not supported`;
    if (/^(\d+|[A-Z]{3})?LW?$/.test(word)) return `\`${item}\` uses \`L\` (the last day), which is not supported`;
  }
  return null;
}

function valueProblem(text: string, spec: CronField, rangeEnd: boolean): string | null {
  if (valueOf(text, spec, rangeEnd) !== undefined) return null;
  if (text === '') return 'a range needs a value on both sides of `-`';
  const names = spec.names === undefined ? '' : ` or ${spec.names[0]}-${spec.names[spec.names.length - 1]}`;
  return `\`${text}\` is not a value from ${spec.min} to ${spec.max}${names}`;
}

/** A number or name; `SUN` ending a range is 7, so `FRI-SUN` means Friday to Sunday (as croner reads it). */
function valueOf(text: string, spec: CronField, rangeEnd: boolean): number | undefined {
  if (isDigits(text)) {
    const value = Number(text);
    return value >= spec.min && value <= spec.max ? value : undefined;
  }
  const index = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  if (index < 0) return undefined;
  return rangeEnd && spec === DAY_OF_WEEK && index === 0 ? 7 : index + spec.min;
}

function isDigits(text: string): boolean {
  return /^\d{1,4}$/.test(text);
}
