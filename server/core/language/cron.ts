// Validation of five-field cron expressions (minute hour day-of-month month day-of-week, UTC).
// Each field: `*`, a number or name, a range `a-b`, a step `*/n` or `a-b/n`, or a comma list of those.

interface CronField {
  name: string;
  min: number;
  max: number;
  /** Three-letter names, index + `min` = value. */
  names?: readonly string[];
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

export const CRON_FIELDS: readonly CronField[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  // 7 is Sunday as well as 0, as in most crons.
  { name: 'day of week', min: 0, max: 7, names: DAYS },
];

/** Why `expression` is not a valid five-field cron expression, or null when it is. */
export function cronError(expression: string): string | null {
  const fields = splitFields(expression);
  if (fields.length !== CRON_FIELDS.length) {
    return `a cron expression has 5 fields (minute hour day-of-month month day-of-week), this one has ${fields.length}`;
  }
  for (let index = 0; index < CRON_FIELDS.length; index++) {
    const spec = CRON_FIELDS[index] as CronField;
    const problem = cronFieldError(fields[index] as string, spec);
    if (problem !== null) return `in the ${spec.name} field, ${problem}`;
  }
  return neverRuns(fields);
}

// Days in each month, February in a leap year.
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** A valid expression whose days of month fall in none of its months (`0 0 31 2 *`), or null. */
function neverRuns(fields: readonly string[]): string | null {
  const [, , dayField, monthField, weekdayField] = fields as [string, string, string, string, string];
  // With both day fields restricted, either one matching is enough, and every weekday comes round.
  if (dayField === '*' || weekdayField !== '*') return null;
  const days = fieldValues(dayField, CRON_FIELDS[2] as CronField);
  const months = fieldValues(monthField, CRON_FIELDS[3] as CronField);
  const firstDay = Math.min(...days);
  if (months.some((month) => firstDay <= (MONTH_DAYS[month - 1] as number))) return null;
  const monthNames = months.map((month) => MONTHS[month - 1]).join(', ');
  return `day ${firstDay} of the month never comes in ${monthNames}, so this schedule would never run`;
}

/** The values a valid field selects. */
function fieldValues(field: string, spec: CronField): number[] {
  const values: number[] = [];
  for (const item of field.split(',')) {
    const [range = '', stepText] = item.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    const [lowText = '', highText] = range === '*' ? [String(spec.min), String(spec.max)] : range.split('-');
    const low = valueOf(lowText, spec) as number;
    const high = highText === undefined ? (stepText === undefined ? low : spec.max) : (valueOf(highText, spec) as number);
    for (let value = low; value <= high; value += step) values.push(value);
  }
  return values;
}

function splitFields(expression: string): string[] {
  const fields: string[] = [];
  let current = '';
  for (const char of expression) {
    if (char === ' ' || char === '\t') {
      if (current !== '') fields.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  if (current !== '') fields.push(current);
  return fields;
}

/** Why one field is invalid, or null. */
export function cronFieldError(field: string, spec: CronField): string | null {
  for (const item of field.split(',')) {
    const problem = itemError(item, spec);
    if (problem !== null) return problem;
  }
  return null;
}

function itemError(item: string, spec: CronField): string | null {
  if (item === '') return 'an empty list item';
  const slash = item.indexOf('/');
  const range = slash < 0 ? item : item.slice(0, slash);
  if (slash >= 0) {
    const step = item.slice(slash + 1);
    if (!isDigits(step) || Number(step) === 0) return `the step \`${step}\` must be a positive whole number`;
    if (range !== '*' && !range.includes('-')) return `a step needs \`*/n\` or a range \`a-b/n\`, not \`${item}\``;
  }
  if (range === '*') return null;
  const dash = range.indexOf('-');
  if (dash < 0) return valueError(range, spec);
  const low = range.slice(0, dash);
  const high = range.slice(dash + 1);
  const problem = valueError(low, spec) ?? valueError(high, spec);
  if (problem !== null) return problem;
  if ((valueOf(low, spec) as number) > (valueOf(high, spec) as number)) {
    return `the range \`${range}\` goes backwards`;
  }
  return null;
}

function valueError(text: string, spec: CronField): string | null {
  if (valueOf(text, spec) !== undefined) return null;
  if (text === '') return 'a range needs a value on both sides of `-`';
  const names = spec.names === undefined ? '' : ` or ${spec.names[0]}-${spec.names[spec.names.length - 1]}`;
  return `\`${text}\` is not a value from ${spec.min} to ${spec.max}${names}`;
}

function valueOf(text: string, spec: CronField): number | undefined {
  if (isDigits(text)) {
    const value = Number(text);
    return value >= spec.min && value <= spec.max ? value : undefined;
  }
  const index = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  return index < 0 ? undefined : index + spec.min;
}

function isDigits(text: string): boolean {
  if (text === '' || text.length > 4) return false;
  for (const char of text) {
    if (char < '0' || char > '9') return false;
  }
  return true;
}
