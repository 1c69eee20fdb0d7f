import { describe, expect, it } from 'vitest';
import { cronError } from '../../../server/core/language/cron.js';

describe('cronError', () => {
  it.each([
    '* * * * *', '0 3 * * *', '*/15 * * * *', '0-30/10 0,12 1-15 * *', '59 23 31 12 7', '0 0 1 1 0',
    '0 9 * JAN-MAR MON-FRI', '0 9 * jan,jul sun', '  0   3 * *\t*  ', '5,10-20/5,30 * * * *', '0 0 * * 1-5/2',
    // Days that come only in some months: February 29 in leap years; a weekday also matches (either day field).
    '0 0 29 2 *', '0 0 31 1-2 *', '0 0 30,31 FEB,APR *', '0 0 31 2 MON', '0 0 20-31/5 2 *',
  ])('accepts %j', (expression) => {
    expect(cronError(expression)).toBeNull();
  });

  it.each([
    ['', 'a cron expression has 5 fields (minute hour day-of-month month day-of-week), this one has 0'],
    ['* * * *', 'a cron expression has 5 fields (minute hour day-of-month month day-of-week), this one has 4'],
    ['* * * * * *', 'a cron expression has 5 fields (minute hour day-of-month month day-of-week), this one has 6'],
    ['60 * * * *', 'in the minute field, `60` is not a value from 0 to 59'],
    ['* 24 * * *', 'in the hour field, `24` is not a value from 0 to 23'],
    ['* * 0 * *', 'in the day of month field, `0` is not a value from 1 to 31'],
    ['* * 32 * *', 'in the day of month field, `32` is not a value from 1 to 31'],
    ['* * * 13 *', 'in the month field, `13` is not a value from 1 to 12 or JAN-DEC'],
    ['* * * * 8', 'in the day of week field, `8` is not a value from 0 to 7 or SUN-SAT'],
    ['* * * FOO *', 'in the month field, `FOO` is not a value from 1 to 12 or JAN-DEC'],
    ['* * * * MON-XYZ', 'in the day of week field, `XYZ` is not a value from 0 to 7 or SUN-SAT'],
    ['MON * * * *', 'in the minute field, `MON` is not a value from 0 to 59'],
    ['*/0 * * * *', 'in the minute field, the step `0` must be a positive whole number'],
    ['*/x * * * *', 'in the minute field, the step `x` must be a positive whole number'],
    ['5/15 * * * *', 'in the minute field, a step needs `*/n` or a range `a-b/n`, not `5/15`'],
    ['30-10 * * * *', 'in the minute field, the range `30-10` goes backwards'],
    ['1,,2 * * * *', 'in the minute field, an empty list item'],
    ['-5 * * * *', 'in the minute field, a range needs a value on both sides of `-`'],
    ['? * * * *', 'in the minute field, `?` is not a value from 0 to 59'],
    ['@daily', 'a cron expression has 5 fields (minute hour day-of-month month day-of-week), this one has 1'],
    ['1.5 * * * *', 'in the minute field, `1.5` is not a value from 0 to 59'],
    ['0 0 31 2 *', 'day 31 of the month never comes in FEB, so this schedule would never run'],
    ['0 0 30,31 2 *', 'day 30 of the month never comes in FEB, so this schedule would never run'],
    ['0 0 31 APR,JUN,SEP,NOV *', 'day 31 of the month never comes in APR, JUN, SEP, NOV, so this schedule would never run'],
    ['0 0 30-31/1 2 *', 'day 30 of the month never comes in FEB, so this schedule would never run'],
  ])('rejects %j', (expression, message) => {
    expect(cronError(expression)).toBe(message);
  });
});
