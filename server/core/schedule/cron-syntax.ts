// GitHub's five-field POSIX cron, checked before croner reads it: croner takes more (seconds, `L`, `W`, `#`,
// `?`, `@daily`) and its errors do not name the field.
// https://docs.github.com/en/actions/reference/workflows-and-actions/events-that-trigger-workflows#schedule
import { CRON_FIELDS, cronFieldProblem, cronFields, type CronField } from './cron-fields.js';
import { neverRunsProblem } from './never-runs.js';

const FIVE_FIELDS = 'a cron expression has 5 fields (minute hour day-of-month month day-of-week)';

// Other crons take these; GitHub does not, so the message gives the five fields instead.
const MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *', '@annually': '0 0 1 1 *', '@monthly': '0 0 1 * *', '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *', '@midnight': '0 0 * * *', '@hourly': '0 * * * *',
};

/** Why `expression` is not a five-field cron as GitHub writes it, or null. */
export function cronSyntaxProblem(expression: string): string | null {
  const fields = cronFields(expression);
  const first = fields[0] ?? '';
  if (first.startsWith('@')) return macroProblem(first.toLowerCase());
  if (fields.length === 6) return `${FIVE_FIELDS}; a 6th field (seconds) is not supported`;
  if (fields.length === 7) return `${FIVE_FIELDS}; a 6th and 7th field (seconds and years) are not supported`;
  if (fields.length !== CRON_FIELDS.length) return `${FIVE_FIELDS}, this one has ${fields.length}`;
  for (let index = 0; index < CRON_FIELDS.length; index++) {
    const spec = CRON_FIELDS[index] as CronField;
    const problem = cronFieldProblem(fields[index] as string, spec);
    if (problem !== null) return `in the ${spec.name} field, ${problem}`;
  }
  return neverRunsProblem(fields);
}

function macroProblem(macro: string): string {
  const fields = MACROS[macro];
  if (fields !== undefined) return `\`${macro}\` is not supported; write its five fields, \`${fields}\``;
  if (macro === '@every') return '`@every` is not supported; write a step, such as `*/15 * * * *` for every 15 minutes';
  if (macro === '@reboot') return '`@reboot` is not supported: a schedule runs at times, not at start-up';
  return `\`${macro}\` is not supported; ${FIVE_FIELDS}`;
}
