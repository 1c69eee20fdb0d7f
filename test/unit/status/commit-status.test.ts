import { describe, expect, it } from 'vitest';
import {
  MAX_DESCRIPTION, combinedState, diagnosticDescription, duration, runCommitStatus, runContext, shortDescription, targetUrl,
  type CommitState, type CommitStatusText, type RunForStatus,
} from '../../../server/core/status/commit-status.js';

const t = (s: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, s));

describe('runCommitStatus', () => {
  it.each<[RunForStatus, CommitStatusText]>([
    [{ status: 'waiting', started_at: null, stopped_at: null }, { state: 'pending', description: 'Waiting for a runner' }],
    [{ status: 'blocked', started_at: null, stopped_at: null }, { state: 'pending', description: 'Waiting for an earlier run of its concurrency group' }],
    [{ status: 'running', started_at: t(0), stopped_at: null }, { state: 'pending', description: 'Running' }],
    [{ status: 'unknown', started_at: null, stopped_at: null }, { state: 'pending', description: 'Status unknown' }],
    [{ status: 'success', started_at: t(0), stopped_at: t(12) }, { state: 'success', description: 'Succeeded in 12 s' }],
    [{ status: 'success', started_at: null, stopped_at: null }, { state: 'success', description: 'Succeeded' }],
    [{ status: 'skipped', started_at: null, stopped_at: null }, { state: 'success', description: 'Skipped' }],
    [{ status: 'failure', started_at: t(0), stopped_at: t(3) }, { state: 'failure', description: 'Failed after 3 s' }],
    [{ status: 'failure', started_at: null, stopped_at: t(3) }, { state: 'failure', description: 'Failed' }],
    [{ status: 'failure', started_at: t(0), stopped_at: t(3), lost: true }, { state: 'failure', description: 'Failed: its runner stopped answering on the last attempt' }],
    [{ status: 'cancelled', started_at: null, stopped_at: null }, { state: 'error', description: 'Cancelled' }],
    [{ status: 'cancelled', cancel_reason: 'replaced by run #14 of group ci' }, { state: 'error', description: 'Cancelled: replaced by run #14 of group ci' }],
  ])('%j → %j', (run, expected) => {
    expect(runCommitStatus(run)).toEqual(expected);
  });

  it('keeps a long cancel reason within 140 characters', () => {
    const { description } = runCommitStatus({ status: 'cancelled', started_at: null, stopped_at: null, cancel_reason: 'x'.repeat(500) });
    expect([...description]).toHaveLength(MAX_DESCRIPTION);
    expect(description.endsWith('…')).toBe(true);
  });
});

describe('combinedState', () => {
  it.each<[CommitState[], string]>([
    [[], 'pending'],
    [['success'], 'success'],
    [['success', 'success'], 'success'],
    [['success', 'pending'], 'pending'],
    [['pending', 'failure'], 'failure'],
    [['success', 'error'], 'failure'],
    [['error'], 'failure'],
    [['pending'], 'pending'],
  ])('%j → %s', (states, expected) => {
    expect(combinedState(states)).toBe(expected);
  });
});

describe('diagnosticDescription', () => {
  it.each<[string, { line: number; column: number; code: string; message: string }, string]>([
    ['.plue/workflows/deploy.py', { line: 3, column: 5, code: 'unknown-event', message: 'unknown event `pushh`' }, 'deploy.py:3:5 unknown-event unknown event `pushh`'],
    ['deploy.py', { line: 1, column: 1, code: 'syntax-error', message: 'line\nbreaks  squeezed' }, 'deploy.py:1:1 syntax-error line breaks squeezed'],
  ])('%s %j → %s', (path, diagnostic, expected) => {
    expect(diagnosticDescription(path, diagnostic)).toBe(expected);
  });

  it('cuts a long message at 140 characters, counting code points', () => {
    const text = diagnosticDescription('a.py', { line: 1, column: 1, code: 'x', message: '😀'.repeat(300) });
    expect([...text]).toHaveLength(MAX_DESCRIPTION);
    expect(shortDescription('short')).toBe('short');
  });
});

describe('duration', () => {
  it.each<[number, string]>([[0, '0 s'], [59, '59 s'], [60, '1 min 0 s'], [184, '3 min 4 s'], [7500, '2 h 5 min']])('%i s → %s', (s, expected) => {
    expect(duration(new Date(0), new Date(s * 1000))).toBe(expected);
  });
});

describe('runContext and targetUrl', () => {
  it('name statuses like GitHub Actions and link to the run', () => {
    expect(runContext('CI', 'push')).toBe('plue/CI (push)');
    expect(targetUrl('http://h:1/', { owner: 'acme', name: 'app' }, 'runs/7')).toBe('http://h:1/api/repos/acme/app/runs/7');
    expect(targetUrl('http://h:1', { owner: 'acme', name: 'app' }, null)).toBeNull();
  });
});
