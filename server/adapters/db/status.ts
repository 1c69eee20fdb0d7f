// Run/job/task status as stored in the database (smallint columns).
// The numbers are part of the schema: never renumber, only append.
export const STATUS = {
  unknown: 0,
  success: 1,
  failure: 2,
  cancelled: 3,
  skipped: 4,
  waiting: 5,
  running: 6,
  blocked: 7,
} as const;

export type StatusName = keyof typeof STATUS;
export type StatusNumber = (typeof STATUS)[StatusName];

const NAMES: readonly StatusName[] = (Object.keys(STATUS) as StatusName[]).sort(
  (a, b) => STATUS[a] - STATUS[b],
);

/** Statuses after which nothing changes any more. */
export const FINISHED_STATUSES: readonly StatusNumber[] = [
  STATUS.success,
  STATUS.failure,
  STATUS.cancelled,
  STATUS.skipped,
];

export function statusName(n: number): StatusName {
  const name = NAMES[n];
  if (name === undefined || STATUS[name] !== n) throw new RangeError(`unknown status number ${n}`);
  return name;
}

export function statusNumber(word: string): StatusNumber {
  if (!Object.hasOwn(STATUS, word)) throw new RangeError(`unknown status "${word}"`);
  return STATUS[word as StatusName];
}

export function isStatusName(word: string): word is StatusName {
  return Object.hasOwn(STATUS, word);
}

export function isFinishedStatus(n: number): boolean {
  return (FINISHED_STATUSES as readonly number[]).includes(n);
}
