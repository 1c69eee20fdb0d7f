// A cron that validates field by field can still never fire: `0 0 31 2 *` waits for a February 31st.
import { DAY_OF_MONTH, fieldValues, MONTH, MONTH_NAMES } from './cron-fields.js';

// Days in each month, February in a leap year.
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Why valid fields never fire (their days of month fall in none of their months), or null. */
export function neverRunsProblem(fields: readonly string[]): string | null {
  const [, , dayField, monthField, weekdayField] = fields as [string, string, string, string, string];
  // With both day fields restricted, either one matching is enough, and every weekday comes round.
  if (dayField === '*' || weekdayField !== '*') return null;
  const days = fieldValues(dayField, DAY_OF_MONTH);
  const months = fieldValues(monthField, MONTH);
  const firstDay = Math.min(...days);
  if (months.some((month) => firstDay <= (MONTH_DAYS[month - 1] as number))) return null;
  const monthNames = months.map((month) => MONTH_NAMES[month - 1]).join(', ');
  return `day ${firstDay} of the month never comes in ${monthNames}, so this schedule would never run`;
}
