import { describe, expect, it } from 'vitest';
import { durationInWords, elapsedMs, instantInWords } from '../../../server/core/dashboard/durations.js';
import { triggerInWords } from '../../../server/core/dashboard/trigger-words.js';
import type { Trigger } from '../../../server/core/language/model.js';

describe('triggers in words', () => {
  it.each<[Trigger, string]>([
    [{ event: 'push' }, 'push to any branch or tag'],
    [{ event: 'push', branches: ['main', 'release/**'] }, 'push: branches main, release/**'],
    [{ event: 'push', branches_ignore: ['wip'], tags: ['v*'] }, 'push: not branches wip; tags v*'],
    [{ event: 'push', paths: ['src/**'], paths_ignore: ['docs/**'] }, 'push to any branch or tag; paths src/**; not paths docs/**'],
    [{ event: 'pull_request', types: ['opened', 'synchronize'], branches: ['main'] }, 'pull request opened, synchronize; into main'],
    [{ event: 'issue', types: ['opened'] }, 'issue opened'],
    [{ event: 'chat' }, 'a chat message'],
    [{ event: 'dispatch' }, 'a dispatch (API or another workflow)'],
    [{ event: 'manual', inputs: {} }, 'by hand'],
    [{ event: 'manual', inputs: { env: { type: 'string', required: true } } }, 'by hand, with inputs env'],
    [{ event: 'schedule', cron: '0 3 * * *', timezone: 'Europe/Paris' }, 'on schedule 0 3 * * * (Europe/Paris)'],
    [{ event: 'workflow_run', workflows: ['CI'], types: ['completed'], conclusions: ['success'], branches: ['main'] },
      'when CI is completed; conclusions success; branches main'],
  ])('%j', (trigger, expected) => {
    expect(triggerInWords(trigger)).toBe(expected);
  });
});

describe('times in words', () => {
  it.each([
    [0, '0 ms'], [850, '850 ms'], [12_345, '12.3 s'], [245_000, '4 min 05 s'], [7_620_000, '2 h 07 min'],
  ])('%i ms is %s', (ms, expected) => {
    expect(durationInWords(ms)).toBe(expected);
  });

  it('measures to now while running, and nothing before the start', () => {
    const start = new Date('2026-01-01T00:00:00Z');
    expect(elapsedMs(start, null, new Date('2026-01-01T00:00:05Z'))).toBe(5000);
    expect(elapsedMs(start, new Date('2026-01-01T00:00:01Z'), new Date('2026-01-01T00:00:05Z'))).toBe(1000);
    expect(elapsedMs(null, null, start)).toBeNull();
    expect(instantInWords(start)).toBe('2026-01-01 00:00:00Z');
  });
});
