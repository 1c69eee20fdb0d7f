// Known fire times, one row per rule. Instants are written in UTC; the comment says the wall clock.
import { describe, expect, it } from 'vitest';
import { nextInstants } from '../../../server/core/schedule/index.js';

type Row = [name: string, cron: string, zone: string, after: string, expected: string[]];

const utc = (iso: string): string => `${iso}:00.000Z`;

const rows: Row[] = [
  ['a daily time', '0 3 * * *', 'UTC', '2026-01-01T00:00', ['2026-01-01T03:00', '2026-01-02T03:00']],
  ['strictly after: not the instant itself', '0 3 * * *', 'UTC', '2026-01-01T03:00', ['2026-01-02T03:00']],
  ['names, case-insensitive (Thursday 1 January 2026)', '0 9 * JAN,jul Mon', 'UTC', '2026-01-01T00:00', ['2026-01-05T09:00', '2026-01-12T09:00']],
  ['7 is Sunday', '0 0 * * 7', 'UTC', '2026-01-01T00:00', ['2026-01-04T00:00', '2026-01-11T00:00']],
  ['0 is Sunday', '0 0 * * 0', 'UTC', '2026-01-01T00:00', ['2026-01-04T00:00', '2026-01-11T00:00']],
  ['SUN ends a range as 7', '0 12 * * FRI-SUN', 'UTC', '2026-01-01T00:00', ['2026-01-02T12:00', '2026-01-03T12:00', '2026-01-04T12:00', '2026-01-09T12:00']],
  ['a list', '0 6,18 * * *', 'UTC', '2026-01-01T00:00', ['2026-01-01T06:00', '2026-01-01T18:00', '2026-01-02T06:00']],
  ['a range', '0 9-11 * * *', 'UTC', '2026-01-01T00:00', ['2026-01-01T09:00', '2026-01-01T10:00', '2026-01-01T11:00', '2026-01-02T09:00']],
  ['a step', '*/20 * * * *', 'UTC', '2026-01-01T00:00', ['2026-01-01T00:20', '2026-01-01T00:40', '2026-01-01T01:00']],
  ['a range with a step', '10-30/10 * * * *', 'UTC', '2026-01-01T00:00', ['2026-01-01T00:10', '2026-01-01T00:20', '2026-01-01T00:30', '2026-01-01T01:10']],
  ['both day fields: either matches (Vixie)', '0 0 13 * FRI', 'UTC', '2026-01-01T00:00', ['2026-01-02T00:00', '2026-01-09T00:00', '2026-01-13T00:00', '2026-01-16T00:00']],
  ['February 29 in leap years', '0 0 29 2 *', 'UTC', '2026-01-01T00:00', ['2028-02-29T00:00', '2032-02-29T00:00']],
  ['day 31 skips short months', '0 0 31 * *', 'UTC', '2026-01-01T00:00', ['2026-01-31T00:00', '2026-03-31T00:00', '2026-05-31T00:00']],
  ['day 30 skips February', '0 0 30 * *', 'UTC', '2026-01-01T00:00', ['2026-01-30T00:00', '2026-03-30T00:00', '2026-04-30T00:00']],
  ['the year turns', '59 23 31 12 *', 'UTC', '2026-06-01T00:00', ['2026-12-31T23:59', '2027-12-31T23:59']],
  // Time zones.
  ['Etc/UTC is UTC', '0 3 * * *', 'Etc/UTC', '2026-01-01T00:00', ['2026-01-01T03:00']],
  ['Berlin in winter (+01:00)', '0 9 * * *', 'Europe/Berlin', '2026-01-01T00:00', ['2026-01-01T08:00']],
  ['Berlin in summer (+02:00)', '0 9 * * *', 'Europe/Berlin', '2026-07-01T00:00', ['2026-07-01T07:00']],
  ['New York in winter (-05:00)', '0 9 * * *', 'America/New_York', '2026-01-01T00:00', ['2026-01-01T14:00']],
  ['Kolkata, a half-hour zone (+05:30)', '0 9 * * *', 'Asia/Kolkata', '2026-01-01T00:00', ['2026-01-01T03:30', '2026-01-02T03:30']],
  ['Kolkata midnight is the previous UTC day', '0 0 1 * *', 'Asia/Kolkata', '2026-01-01T00:00', ['2026-01-31T18:30', '2026-02-28T18:30']],
  ['Lord Howe in summer (+11:00) and winter (+10:30)', '0 12 1 1,7 *', 'Australia/Lord_Howe', '2026-01-01T00:00', ['2026-01-01T01:00', '2026-07-01T01:30']],
  // DST, Europe/Berlin: 29 March 2026 02:00 → 03:00 (at 01:00Z); 25 October 2026 03:00 → 02:00 (at 01:00Z).
  ['Berlin: a skipped time fires at the end of the gap (02:30 → 03:00)', '30 2 * * *', 'Europe/Berlin', '2026-03-28T00:00',
    ['2026-03-28T01:30', '2026-03-29T01:00', '2026-03-30T00:30']],
  ['Berlin: skipped times meet at the gap end once (02:00, 02:30 → 03:00)', '*/30 * * * *', 'Europe/Berlin', '2026-03-29T00:00',
    ['2026-03-29T00:30', '2026-03-29T01:00', '2026-03-29T01:30']],
  ['Berlin: an hour-long skip fires once', '*/15 2 * * *', 'Europe/Berlin', '2026-03-28T23:00', ['2026-03-29T01:00', '2026-03-30T00:00']],
  ['Berlin: a repeated time fires once, the first time (02:30 CEST)', '30 2 * * *', 'Europe/Berlin', '2026-10-24T00:00',
    ['2026-10-24T00:30', '2026-10-25T00:30', '2026-10-26T01:30']],
  ['Berlin: every 15 minutes through the repeated hour, each wall time once', '*/15 * * * *', 'Europe/Berlin', '2026-10-25T00:40',
    ['2026-10-25T00:45', '2026-10-25T02:00', '2026-10-25T02:15']],
  ['Berlin: hourly through the repeated hour', '0 * * * *', 'Europe/Berlin', '2026-10-24T23:30', ['2026-10-25T00:00', '2026-10-25T02:00', '2026-10-25T03:00']],
  ['Berlin: from inside the second pass, the next is after it', '*/15 * * * *', 'Europe/Berlin', '2026-10-25T01:20', ['2026-10-25T02:00']],
  // DST, America/New_York: 8 March 2026 02:00 → 03:00 (at 07:00Z); 1 November 2026 02:00 → 01:00 (at 06:00Z).
  ['New York: 02:30 → 03:00 EDT', '30 2 * * *', 'America/New_York', '2026-03-07T00:00', ['2026-03-07T07:30', '2026-03-08T07:00', '2026-03-09T06:30']],
  ['New York: 01:30 once, in EDT', '30 1 * * *', 'America/New_York', '2026-10-31T00:00', ['2026-10-31T05:30', '2026-11-01T05:30', '2026-11-02T06:30']],
  ['New York: every 20 minutes of 01:00 once', '*/20 1 * * *', 'America/New_York', '2026-11-01T04:00',
    ['2026-11-01T05:00', '2026-11-01T05:20', '2026-11-01T05:40', '2026-11-02T06:00']],
  // DST, Australia/Lord_Howe, a half-hour change: 5 April 2026 02:00 → 01:30; 4 October 2026 02:00 → 02:30.
  ['Lord Howe: 01:45 repeats, fires once', '45 1 * * *', 'Australia/Lord_Howe', '2026-04-04T12:00', ['2026-04-04T14:45', '2026-04-05T15:15']],
  ['Lord Howe: 02:15 is skipped, fires at 02:30', '15 2 * * *', 'Australia/Lord_Howe', '2026-10-02T12:00',
    ['2026-10-02T15:45', '2026-10-03T15:30', '2026-10-04T15:15']],
];

describe('nextInstants', () => {
  it.each(rows)('%s: %s in %s after %s', (_name, cron, zone, after, expected) => {
    const instants = nextInstants(cron, zone, new Date(utc(after)), expected.length);
    expect(instants.map((d) => d.toISOString())).toEqual(expected.map(utc));
  });

  it('gives none for a count of 0', () => {
    expect(nextInstants('* * * * *', 'UTC', new Date(0), 0)).toEqual([]);
  });

  it('throws for a cron it does not accept, rather than guess', () => {
    expect(() => nextInstants('0 0 L * *', 'UTC', new Date(0), 1)).toThrow('`L` (the last day)');
    expect(() => nextInstants('0 0 * * *', 'Mars/Olympus_Mons', new Date(0), 1)).toThrow(RangeError);
  });
});
