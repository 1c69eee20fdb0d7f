// Status roll-up, task attempts → job → run. Pure: plain rows in, plain rows out.
// Names rather than the stored numbers, so the core does not depend on the database's encoding.

export type Status = 'unknown' | 'success' | 'failure' | 'cancelled' | 'skipped' | 'waiting' | 'running' | 'blocked';

/** Statuses after which nothing changes any more. */
export const FINISHED: readonly Status[] = ['success', 'failure', 'cancelled', 'skipped'];

/**
 * Which status wins when several are combined: anything still running makes the whole running, then anything
 * still to run; once all are finished, one failure fails the whole, then a cancellation cancels it. `unknown`
 * ranks above success so that an unexplained job never reads as a green run.
 */
export const PRIORITY: readonly Status[] = [
  'running', 'waiting', 'blocked', 'failure', 'cancelled', 'unknown', 'success', 'skipped',
];

export interface Timed {
  status: Status;
  started_at: Date | null;
  stopped_at: Date | null;
}

export interface Attempt extends Timed {
  /** Task id: breaks ties between rows of the same attempt number. */
  id: number;
  attempt: number;
}

export function isFinished(status: Status): boolean {
  return FINISHED.includes(status);
}

/** The combined status of several (of a run's jobs); `unknown` for none. */
export function combineStatuses(statuses: readonly Status[]): Status {
  let best: Status = 'unknown';
  let bestRank = statuses.length === 0 ? -1 : PRIORITY.length;
  for (const status of statuses) {
    const rank = PRIORITY.indexOf(status);
    if (rank < bestRank) {
      best = status;
      bestRank = rank;
    }
  }
  return best;
}

/**
 * A job is where its latest attempt is: a lost attempt that was requeued makes the job wait again, and the last
 * allowed attempt failing fails the job. It started when its first attempt started, and keeps that time; but when
 * no attempt has a start any more (the only one was given back by its runner) it has not started.
 */
export function jobFromAttempts(attempts: readonly Attempt[], previous?: Pick<Timed, 'started_at'>): Timed {
  const latest = latestAttempt(attempts);
  if (!latest) return { status: 'unknown', started_at: previous?.started_at ?? null, stopped_at: null };
  const started = keptStart(previous, attempts);
  return { status: latest.status, started_at: started, stopped_at: isFinished(latest.status) ? latest.stopped_at : null };
}

/** The attempt a job is at: the highest attempt number, the newest row of it. */
export function latestAttempt<A extends Pick<Attempt, 'id' | 'attempt'>>(attempts: readonly A[]): A | undefined {
  let latest: A | undefined;
  for (const a of attempts) {
    if (!latest || a.attempt > latest.attempt || (a.attempt === latest.attempt && a.id > latest.id)) latest = a;
  }
  return latest;
}

/**
 * A run combines its jobs; it stopped when its last job stopped, and only once all are finished. Its start is
 * kept like a job's: until none of its jobs has started (a run waiting again after a give-back).
 */
export function runFromJobs(jobs: readonly Timed[], previous?: Pick<Timed, 'started_at'>): Timed {
  const status = combineStatuses(jobs.map((j) => j.status));
  const started = keptStart(previous, jobs);
  return { status, started_at: started, stopped_at: isFinished(status) ? latestOf(jobs.map((j) => j.stopped_at)) : null };
}

function keptStart(previous: Pick<Timed, 'started_at'> | undefined, parts: ReadonlyArray<Pick<Timed, 'started_at'>>): Date | null {
  const first = earliest(parts.map((p) => p.started_at));
  return first === null ? null : (previous?.started_at ?? first);
}

/** True when `next` is the first finished status after an unfinished one: the moment to announce it. */
export function becameFinished(previous: Status, next: Status): boolean {
  return !isFinished(previous) && isFinished(next);
}

function earliest(dates: ReadonlyArray<Date | null>): Date | null {
  let best: Date | null = null;
  for (const d of dates) if (d && (!best || d < best)) best = d;
  return best;
}

function latestOf(dates: ReadonlyArray<Date | null>): Date | null {
  let best: Date | null = null;
  for (const d of dates) if (d && (!best || d > best)) best = d;
  return best;
}
