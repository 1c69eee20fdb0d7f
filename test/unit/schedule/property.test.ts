// Properties over generated crons: what the checks accept croner reads, and the instants are ordered, each wall
// time once, each one a wall time the cron names (or the end of a DST gap that swallowed one).
import fc from 'fast-check';
import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { CRON_FIELDS, fieldValues, type CronField } from '../../../server/core/schedule/cron-fields.js';
import { cronProblem, nextInstants, wallAt } from '../../../server/core/schedule/index.js';

const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe'];

const field = (spec: CronField): fc.Arbitrary<string> => {
  const value = fc.integer({ min: spec.min, max: spec.max });
  const item = fc.oneof(
    value.map(String),
    fc.tuple(value, value).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
    fc.integer({ min: 1, max: spec.max - spec.min + 1 }).map((n) => `*/${n}`),
    fc.tuple(value, value, fc.integer({ min: 1, max: 10 })).map(([a, b, n]) => `${Math.min(a, b)}-${Math.max(a, b)}/${n}`),
  );
  return fc.oneof(fc.constant('*'), fc.array(item, { minLength: 1, maxLength: 3 }).map((items) => items.join(',')));
};

const validCron = fc.tuple(...CRON_FIELDS.map(field)).map((fields) => fields.join(' ')).filter((cron) => cronProblem(cron) === null);

// Field soup: pieces of the grammar and of what croner has beyond it, in any order.
const soupField = fc.array(fc.constantFrom('*', '/', '-', ',', '0', '1', '5', '7', '31', '60', 'L', 'W', '#', '?', 'MON', 'JAN', 'SUN'), { minLength: 1, maxLength: 5 })
  .map((pieces) => pieces.join(''));

/** Does the cron name this wall time? Both day fields restricted: either one is enough (Vixie). */
function names(cron: string, wall: Date): boolean {
  const fields = cron.trim().split(/\s+/);
  const has = (index: number, value: number): boolean =>
    fieldValues(fields[index] as string, CRON_FIELDS[index] as CronField).map((v) => (index === 4 ? v % 7 : v)).includes(value);
  const day = has(2, wall.getUTCDate());
  const weekday = has(4, wall.getUTCDay());
  const dayMatches = fields[2] !== '*' && fields[4] !== '*' ? day || weekday : day && weekday;
  return has(0, wall.getUTCMinutes()) && has(1, wall.getUTCHours()) && has(3, wall.getUTCMonth() + 1) && dayMatches;
}

// Crons that fire every day, from shortly before a DST change (2026) in each zone that has one.
const dailyCron = fc.tuple(field(CRON_FIELDS[0] as CronField), field(CRON_FIELDS[1] as CronField)).map(([m, h]) => `${m} ${h} * * *`);
const CHANGES: Array<[string, string]> = [
  ['Europe/Berlin', '2026-03-29T01:00Z'], ['Europe/Berlin', '2026-10-25T01:00Z'],
  ['America/New_York', '2026-03-08T07:00Z'], ['America/New_York', '2026-11-01T06:00Z'],
  ['Australia/Lord_Howe', '2026-04-04T15:00Z'], ['Australia/Lord_Howe', '2026-10-03T15:30Z'],
];
const nearChange = fc.tuple(fc.constantFrom(...CHANGES), fc.integer({ min: 0, max: 26 * 60 }))
  .map(([[zone, change], minutes]) => ({ zone, from: new Date(Date.parse(change) - minutes * 60_000) }));

const after = fc.date({ min: new Date('2024-01-01T00:00Z'), max: new Date('2028-12-31T00:00Z'), noInvalidDate: true });

describe('schedule properties', () => {
  it('croner reads every cron the checks accept, and the checks never throw', () => {
    fc.assert(fc.property(fc.array(soupField, { minLength: 5, maxLength: 5 }), (fields) => {
      const problem = cronProblem(fields.join(' '));
      expect(problem ?? '').not.toContain('croner cannot read it');
    }), { numRuns: 2000 });
  });

  it.each([
    ['any cron, any time', fc.tuple(validCron, fc.constantFrom(...ZONES), after)],
    ['daily crons across DST changes', fc.tuple(dailyCron, nearChange).map(([cron, { zone, from }]) => [cron, zone, from] as const)],
  ] as const)('%s: instants are increasing, after `after`, each wall time once, each named by the cron or ending a DST gap', (_name, cases) => {
    fc.assert(fc.property(cases, ([cron, zone, from]) => {
      const instants = nextInstants(cron, zone, from, 25).map((d) => d.getTime());
      let previous = from.getTime();
      const walls = new Set<number>();
      for (const instant of instants) {
        expect(instant).toBeGreaterThan(previous);
        previous = instant;
        const wall = wallAt(zone, instant);
        expect(walls.has(wall)).toBe(false);
        walls.add(wall);
        const endsGap = wallAt(zone, instant - 1) < wall - 1;
        expect(names(cron, new Date(wall)) || endsGap).toBe(true);
      }
    }), { numRuns: 300 });
  });

  // Croner's own zones follow Vixie cron: only a cron with one minute and one hour gets GitHub's DST rules there
  // (others skip a gap and run twice in a repeated hour), so for those its answers must be ours.
  it('for one time a day, the instants are croner’s own in the zone, across DST changes', () => {
    const fixedTime = fc.tuple(fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 23 })).map(([m, h]) => `${m} ${h} * * *`);
    fc.assert(fc.property(fixedTime, nearChange, (cron, { zone, from }) => {
      const croner = new Cron(cron, { timezone: zone, mode: '5-part', domAndDow: false }).nextRuns(3, from);
      expect(nextInstants(cron, zone, from, 3)).toEqual(croner);
    }), { numRuns: 300 });
  });

  it('in UTC, the instants are croner’s own', () => {
    fc.assert(fc.property(validCron, after, (cron, from) => {
      const croner = new Cron(cron, { timezone: 'UTC', mode: '5-part', domAndDow: false }).nextRuns(10, from);
      expect(nextInstants(cron, 'UTC', from, 10)).toEqual(croner);
    }), { numRuns: 300 });
  });
});
