import { describe, expect, it } from 'vitest';
import {
  becameFinished, combineStatuses, jobFromAttempts, runFromJobs, type Attempt, type Status,
} from '../../../server/core/status/rollup.js';

const t = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s));

describe('combineStatuses', () => {
  it.each<[Status[], Status]>([
    [[], 'unknown'],
    [['success'], 'success'],
    [['success', 'success'], 'success'],
    [['success', 'running'], 'running'],
    [['waiting', 'running'], 'running'],
    [['failure', 'running'], 'running'],
    [['success', 'waiting'], 'waiting'],
    [['failure', 'waiting'], 'waiting'],
    [['blocked', 'waiting'], 'waiting'],
    [['blocked', 'success'], 'blocked'],
    [['failure', 'blocked'], 'blocked'],
    [['success', 'failure'], 'failure'],
    [['cancelled', 'failure'], 'failure'],
    [['cancelled', 'success'], 'cancelled'],
    [['skipped', 'success'], 'success'],
    [['skipped', 'skipped'], 'skipped'],
    [['unknown', 'success'], 'unknown'],
    [['unknown', 'failure'], 'failure'],
  ])('%j → %s', (statuses, expected) => {
    expect(combineStatuses(statuses)).toBe(expected);
  });
});

describe('jobFromAttempts', () => {
  const attempt = (id: number, n: number, status: Status, started: number | null, stopped: number | null): Attempt => ({
    id, attempt: n, status, started_at: started === null ? null : t(started), stopped_at: stopped === null ? null : t(stopped),
  });
  it.each<[string, Attempt[], { status: Status; started: number | null; stopped: number | null }]>([
    ['no attempt yet', [], { status: 'unknown', started: null, stopped: null }],
    ['first attempt waiting', [attempt(1, 1, 'waiting', null, null)], { status: 'waiting', started: null, stopped: null }],
    ['first attempt running', [attempt(1, 1, 'running', 5, null)], { status: 'running', started: 5, stopped: null }],
    ['first attempt succeeded', [attempt(1, 1, 'success', 5, 9)], { status: 'success', started: 5, stopped: 9 }],
    ['lost attempt requeued', [attempt(1, 1, 'failure', 5, 9), attempt(2, 2, 'waiting', null, null)],
      { status: 'waiting', started: 5, stopped: null }],
    ['second attempt running', [attempt(2, 2, 'running', 12, null), attempt(1, 1, 'failure', 5, 9)],
      { status: 'running', started: 5, stopped: null }],
    ['retry succeeded', [attempt(1, 1, 'failure', 5, 9), attempt(2, 2, 'success', 12, 20)],
      { status: 'success', started: 5, stopped: 20 }],
    ['last allowed attempt failed', [attempt(1, 1, 'failure', 5, 9), attempt(2, 2, 'failure', 12, 20), attempt(3, 3, 'failure', 22, 30)],
      { status: 'failure', started: 5, stopped: 30 }],
  ])('%s', (_name, attempts, expected) => {
    const job = jobFromAttempts(attempts);
    expect(job).toEqual({
      status: expected.status,
      started_at: expected.started === null ? null : t(expected.started),
      stopped_at: expected.stopped === null ? null : t(expected.stopped),
    });
  });

  it('keeps a start time already recorded', () => {
    expect(jobFromAttempts([attempt(2, 2, 'running', 12, null)], { started_at: t(1) }).started_at).toEqual(t(1));
  });
});

describe('runFromJobs', () => {
  const job = (status: Status, started: number | null, stopped: number | null) => ({
    status, started_at: started === null ? null : t(started), stopped_at: stopped === null ? null : t(stopped),
  });
  it.each<[string, ReturnType<typeof job>[], ReturnType<typeof job>]>([
    ['one waiting job', [job('waiting', null, null)], job('waiting', null, null)],
    ['one running job', [job('running', 3, null)], job('running', 3, null)],
    ['one job done, one running', [job('success', 2, 8), job('running', 4, null)], job('running', 2, null)],
    ['one job done, one still waiting', [job('success', 2, 8), job('waiting', null, null)], job('waiting', 2, null)],
    ['all succeeded', [job('success', 2, 8), job('success', 4, 11)], job('success', 2, 11)],
    ['one failed', [job('success', 2, 8), job('failure', 4, 6)], job('failure', 2, 8)],
    ['cancelled before starting', [job('cancelled', null, 7)], job('cancelled', null, 7)],
  ])('%s', (_name, jobs, expected) => {
    expect(runFromJobs(jobs)).toEqual(expected);
  });
});

describe('becameFinished', () => {
  it.each<[Status, Status, boolean]>([
    ['running', 'success', true],
    ['waiting', 'failure', true],
    ['running', 'running', false],
    ['success', 'success', false],
    ['failure', 'cancelled', false],
    ['running', 'waiting', false],
  ])('%s → %s: %s', (from, to, expected) => {
    expect(becameFinished(from, to)).toBe(expected);
  });
});
