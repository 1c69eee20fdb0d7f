import { describe, expect, it } from 'vitest';
import { dueInstant, MISSED_COUNT_LIMIT } from '../../../server/core/schedule/index.js';
import { cpuMs } from '../../support/cpu-time.js';

type Row = [name: string, cron: string, zone: string, after: string, now: string, catchUpMs: number,
  expected: { fire: string | null; missed: number; next: string | null }];

const at = (iso: string | null): Date | null => (iso === null ? null : new Date(`${iso}Z`));
const MINUTE = 60_000;

const rows: Row[] = [
  ['on time', '*/5 * * * *', 'UTC', '2026-01-01T00:00', '2026-01-01T00:05:10', MINUTE,
    { fire: '2026-01-01T00:05', missed: 0, next: '2026-01-01T00:10' }],
  ['now is the instant', '*/5 * * * *', 'UTC', '2026-01-01T00:00', '2026-01-01T00:05', MINUTE,
    { fire: '2026-01-01T00:05', missed: 0, next: '2026-01-01T00:10' }],
  ['after is the instant: already handled', '*/5 * * * *', 'UTC', '2026-01-01T00:05', '2026-01-01T00:05:30', MINUTE,
    { fire: null, missed: 0, next: '2026-01-01T00:10' }],
  ['nothing due yet', '*/5 * * * *', 'UTC', '2026-01-01T00:05', '2026-01-01T00:07', MINUTE,
    { fire: null, missed: 0, next: '2026-01-01T00:10' }],
  ['behind: the latest fires, the others are missed', '*/5 * * * *', 'UTC', '2026-01-01T00:00', '2026-01-01T00:12', 3 * MINUTE,
    { fire: '2026-01-01T00:10', missed: 1, next: '2026-01-01T00:15' }],
  ['exactly catchUpMs late still fires', '*/5 * * * *', 'UTC', '2026-01-01T00:00', '2026-01-01T00:06', MINUTE,
    { fire: '2026-01-01T00:05', missed: 0, next: '2026-01-01T00:10' }],
  ['later than catchUpMs: nothing fires, all missed', '*/5 * * * *', 'UTC', '2026-01-01T00:00', '2026-01-01T00:14', MINUTE,
    { fire: null, missed: 2, next: '2026-01-01T00:15' }],
  ['a week of every minute: counting stops', '* * * * *', 'UTC', '2026-01-01T00:00', '2026-01-08T00:00:30', MINUTE,
    { fire: '2026-01-08T00:00', missed: MISSED_COUNT_LIMIT, next: '2026-01-08T00:01' }],
  ['a week of every minute, too late', '* * * * *', 'UTC', '2026-01-01T00:00', '2026-01-08T00:00:30', 10_000,
    { fire: null, missed: MISSED_COUNT_LIMIT, next: '2026-01-08T00:01' }],
  ['after later than now: an empty window', '*/5 * * * *', 'UTC', '2026-01-01T00:10', '2026-01-01T00:05', MINUTE,
    { fire: null, missed: 0, next: '2026-01-01T00:10' }],
  ['in a zone', '0 9 * * *', 'Europe/Berlin', '2026-01-01T00:00', '2026-01-01T08:00:05', MINUTE,
    { fire: '2026-01-01T08:00', missed: 0, next: '2026-01-02T08:00' }],
  ['a skipped time fires at the gap end', '30 2 * * *', 'Europe/Berlin', '2026-03-28T12:00', '2026-03-29T01:00:30', MINUTE,
    { fire: '2026-03-29T01:00', missed: 0, next: '2026-03-30T00:30' }],
  ['the second pass of a repeated hour fires nothing', '*/30 * * * *', 'Europe/Berlin', '2026-10-25T00:45', '2026-10-25T01:45', MINUTE,
    { fire: null, missed: 0, next: '2026-10-25T02:00' }],
  ['down through the repeated hour: its wall times count once', '*/30 * * * *', 'Europe/Berlin', '2026-10-24T23:45', '2026-10-25T02:00', MINUTE,
    { fire: '2026-10-25T02:00', missed: 2, next: '2026-10-25T02:30' }],
];

describe('dueInstant', () => {
  it.each(rows)('%s', (_name, cron, timezone, after, now, catchUpMs, expected) => {
    const due = dueInstant({ cron, timezone }, at(after) as Date, at(now) as Date, catchUpMs);
    expect(due).toEqual({ fire: at(expected.fire), missed: expected.missed, next: at(expected.next) });
  });

  it('keeps a week behind cheap (about 5 ms)', () => {
    const started = cpuMs();
    dueInstant({ cron: '* * * * *', timezone: 'Europe/Berlin' }, new Date('2026-01-01T00:00Z'), new Date('2026-01-08T00:00Z'), MINUTE);
    expect(cpuMs() - started).toBeLessThan(500);
  });
});
