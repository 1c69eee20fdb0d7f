import { describe, expect, it } from 'vitest';
import { timezoneProblem } from '../../../server/core/schedule/index.js';

describe('timezoneProblem', () => {
  it.each(['UTC', 'Etc/UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Asia/Calcutta', 'Australia/Lord_Howe', 'Etc/GMT+2'])(
    'accepts %j', (zone) => {
      expect(timezoneProblem(zone)).toBeNull();
    },
  );

  it.each([
    ['Europe/Berlln', '`Europe/Berlln` is not a time zone from the IANA database, such as `Europe/Berlin` or `UTC`. Did you mean `Europe/Berlin`?'],
    ['Mars/Olympus_Mons', '`Mars/Olympus_Mons` is not a time zone from the IANA database, such as `Europe/Berlin` or `UTC`.'],
    ['europe/berlin', 'Time zone names are case-sensitive: write `Europe/Berlin`, not `europe/berlin`.'],
    ['utc', 'Time zone names are case-sensitive: write `UTC`, not `utc`.'],
    ['+02:00', '`+02:00` is a UTC offset; name a time zone from the IANA database instead, such as `Europe/Berlin` or `UTC`.'],
    ['-0500', '`-0500` is a UTC offset; name a time zone from the IANA database instead, such as `Europe/Berlin` or `UTC`.'],
    ['UTC+2', '`UTC+2` is a UTC offset; name a time zone from the IANA database instead, such as `Europe/Berlin` or `UTC`.'],
    ['', 'The time zone is empty; leave `timezone` out for UTC, or name a zone such as `Europe/Berlin`.'],
  ])('rejects %j', (zone, message) => {
    expect(timezoneProblem(zone)).toBe(message);
  });
});
