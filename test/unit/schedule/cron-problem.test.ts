import { describe, expect, it } from 'vitest';
import { cronErrorMessage, cronProblem } from '../../../server/core/schedule/index.js';

const FIVE = 'a cron expression has 5 fields (minute hour day-of-month month day-of-week)';

describe('cronProblem', () => {
  it.each([
    '* * * * *', '0 3 * * *', '*/15 * * * *', '0-30/10 0,12 1-15 * *', '59 23 31 12 7', '0 0 1 1 0',
    '0 9 * JAN-MAR MON-FRI', '0 9 * jan,jul sun', '  0   3 * *\t*  ', '5,10-20/5,30 * * * *', '0 0 * * 1-5/2',
    '0 12 * * FRI-SUN', '0 12 * * 5-7', '0 0 * * MON-FRI/2', '*/60 * * * *', '0 0 * * */7', '00 03 * * *',
    // Days that come only in some months: February 29 in leap years; a weekday also matches (either day field).
    '0 0 29 2 *', '0 0 31 1-2 *', '0 0 30,31 FEB,APR *', '0 0 31 2 MON', '0 0 20-31/5 2 *',
  ])('accepts %j', (expression) => {
    expect(cronProblem(expression)).toBeNull();
  });

  it.each([
    ['', `${FIVE}, this one has 0`],
    ['* * * *', `${FIVE}, this one has 4`],
    ['0 * * * * *', `${FIVE}; a 6th field (seconds) is not supported`],
    ['0 0 * * * * 2026', `${FIVE}; a 6th and 7th field (seconds and years) are not supported`],
    ['* * * * * * * *', `${FIVE}, this one has 8`],
    ['@daily', '`@daily` is not supported; write its five fields, `0 0 * * *`'],
    ['@midnight', '`@midnight` is not supported; write its five fields, `0 0 * * *`'],
    ['@HOURLY', '`@hourly` is not supported; write its five fields, `0 * * * *`'],
    ['@weekly', '`@weekly` is not supported; write its five fields, `0 0 * * 0`'],
    ['@monthly', '`@monthly` is not supported; write its five fields, `0 0 1 * *`'],
    ['@yearly', '`@yearly` is not supported; write its five fields, `0 0 1 1 *`'],
    ['@annually', '`@annually` is not supported; write its five fields, `0 0 1 1 *`'],
    ['@every 5m', '`@every` is not supported; write a step, such as `*/15 * * * *` for every 15 minutes'],
    ['@reboot', '`@reboot` is not supported: a schedule runs at times, not at start-up'],
    ['@often', `\`@often\` is not supported; ${FIVE}`],
    ['0 0 ? * MON', 'in the day of month field, `?` is not supported (it is Quartz cron); write `*`'],
    ['0 0 L * *', 'in the day of month field, `L` uses `L` (the last day), which is not supported'],
    ['0 0 LW * *', 'in the day of month field, `LW` uses `L` (the last day), which is not supported'],
    ['0 0 * * 5L', 'in the day of week field, `5L` uses `L` (the last day), which is not supported'],
    ['0 0 * * FRIL', 'in the day of week field, `FRIL` uses `L` (the last day), which is not supported'],
    ['0 0 15W * *', 'in the day of month field, `15W` uses `W` (the nearest weekday), which is not supported'],
    ['0 0 * * FRI#2', 'in the day of week field, `FRI#2` uses `#` (the nth weekday), which is not supported'],
    ['0 0 * * 5#2', 'in the day of week field, `5#2` uses `#` (the nth weekday), which is not supported'],
    ['60 * * * *', 'in the minute field, `60` is not a value from 0 to 59'],
    ['* 24 * * *', 'in the hour field, `24` is not a value from 0 to 23'],
    ['* * 0 * *', 'in the day of month field, `0` is not a value from 1 to 31'],
    ['* * 32 * *', 'in the day of month field, `32` is not a value from 1 to 31'],
    ['* * * 13 *', 'in the month field, `13` is not a value from 1 to 12 or JAN-DEC'],
    ['* * * * 8', 'in the day of week field, `8` is not a value from 0 to 7 or SUN-SAT'],
    ['* * * FOO *', 'in the month field, `FOO` is not a value from 1 to 12 or JAN-DEC'],
    ['* * * * MON-XYZ', 'in the day of week field, `XYZ` is not a value from 0 to 7 or SUN-SAT'],
    ['* * * * MONDAY', 'in the day of week field, `MONDAY` is not a value from 0 to 7 or SUN-SAT'],
    ['MON * * * *', 'in the minute field, `MON` is not a value from 0 to 59'],
    ['0 0 * JUL-MON *', 'in the month field, `MON` is not a value from 1 to 12 or JAN-DEC'],
    ['*/0 * * * *', 'in the minute field, the step `0` must be a positive whole number'],
    ['*/x * * * *', 'in the minute field, the step `x` must be a positive whole number'],
    ['*/61 * * * *', 'in the minute field, the step `61` is larger than the 60 values of the field'],
    ['0 */25 * * *', 'in the hour field, the step `25` is larger than the 24 values of the field'],
    ['5/15 * * * *', 'in the minute field, a step needs `*/n` or a range `a-b/n`, not `5/15` (write `5-59/15` for every 15 from 5)'],
    ['30-10 * * * *', 'in the minute field, the range `30-10` goes backwards'],
    ['0 0 * * SAT-MON', 'in the day of week field, the range `SAT-MON` goes backwards'],
    ['1,,2 * * * *', 'in the minute field, an empty list item'],
    ['-5 * * * *', 'in the minute field, a range needs a value on both sides of `-`'],
    ['1.5 * * * *', 'in the minute field, `1.5` is not a value from 0 to 59'],
    ['0 0 31 2 *', 'day 31 of the month never comes in FEB, so this schedule would never run'],
    ['0 0 30,31 2 *', 'day 30 of the month never comes in FEB, so this schedule would never run'],
    ['0 0 31 APR,JUN,SEP,NOV *', 'day 31 of the month never comes in APR, JUN, SEP, NOV, so this schedule would never run'],
    ['0 0 30-31/1 2 *', 'day 30 of the month never comes in FEB, so this schedule would never run'],
  ])('rejects %j', (expression, message) => {
    expect(cronProblem(expression)).toBe(message);
  });

  it('says it as a sentence for diagnostics', () => {
    expect(cronErrorMessage('0 25 * * *')).toBe('`0 25 * * *` is not a valid cron expression: in the hour field, `25` is not a value from 0 to 23.');
    expect(cronErrorMessage('0 3 * * *')).toBeNull();
  });
});
