import { describe, expect, it } from 'vitest';
import { pushFeedbackLines, refInWords } from '../../../server/core/trigger/push-feedback.js';
import type { PushedRefEvent } from '../../../server/core/trigger/push-feedback.js';

const context = { repository: { owner: 'acme', name: 'app' }, baseUrl: 'http://plue.test/', waitedMs: 2000 };
const event = (over: Partial<PushedRefEvent>): PushedRefEvent => ({
  ref: 'refs/heads/main', event_id: 7, status: 'processed', runs: [], diagnostics: [], skipped: 0, error: null, ...over,
});
const error = { path: '.plue/workflows/a.py', line: 3, column: 5, severity: 'error', code: 'unknown-event', message: '`pushh` is not an event' };
const show = 'plue-trigger events show acme/app 7 (http://plue.test/acme/app/events/7)';

describe('pushFeedbackLines', () => {
  const cases: Array<[string, PushedRefEvent[], string[]]> = [
    ['runs started', [event({ runs: [{ run_id: 40, run_number: 3, name: 'CI' }, { run_id: 41, run_number: 4, name: 'Lint' }] })], [
      'plue-trigger: main: 2 runs started',
      '  #3 CI: http://plue.test/acme/app/runs/40',
      '  #4 Lint: http://plue.test/acme/app/runs/41',
    ]],
    ['a broken file', [event({ diagnostics: [error] })], [
      'plue-trigger: main: no workflow started, 1 workflow file with errors',
      '  .plue/workflows/a.py:3:5: error unknown-event: `pushh` is not an event',
    ]],
    ['nothing matched', [event({ skipped: 2 })], [`plue-trigger: main: no workflow started; why: ${show}`]],
    ['no workflows at all', [event({})], ['plue-trigger: main: no workflow started']],
    ['still pending', [event({ status: 'pending' })], [`plue-trigger: main: not decided within 2 s; see ${show}`]],
    ['pending after a failed attempt', [event({ status: 'pending', error: 'git timed out' })], [
      `plue-trigger: main: not decided within 2 s (an attempt failed and will be retried: git timed out); see ${show}`,
    ]],
    ['failed', [event({ ref: 'refs/tags/v1', status: 'failed', error: 'commit abc does not exist' })], [
      `plue-trigger: v1 (tag): could not be triggered: commit abc does not exist; see ${show}`,
    ]],
    ['two refs at one commit show its errors once', [event({ diagnostics: [error] }), event({ ref: 'refs/heads/dev', diagnostics: [error] })], [
      'plue-trigger: main: no workflow started, 1 workflow file with errors',
      '  .plue/workflows/a.py:3:5: error unknown-event: `pushh` is not an event',
      'plue-trigger: dev: no workflow started, 1 workflow file with errors',
    ]],
  ];
  it.each(cases)('%s', (_name, events, lines) => {
    expect(pushFeedbackLines(events, context)).toEqual(lines);
  });

  it('shows control characters from the pushed files as \\xNN, never to the terminal', () => {
    const hostile = { ...error, message: 'bad \u001b[2J\nplue-trigger: main: 99 runs started' };
    expect(pushFeedbackLines([event({ diagnostics: [hostile] })], context)[1]).toBe(
      '  .plue/workflows/a.py:3:5: error unknown-event: bad \\x1b[2J\\x0aplue-trigger: main: 99 runs started',
    );
  });

  it('says milliseconds under a second', () => {
    expect(pushFeedbackLines([event({ status: 'pending' })], { ...context, waitedMs: 300 })[0]).toContain('not decided within 300 ms');
  });

  it.each([['refs/heads/feature/x', 'feature/x'], ['refs/tags/v1', 'v1 (tag)'], ['refs/notes/x', 'refs/notes/x']])('refInWords(%s)', (ref, words) => {
    expect(refInWords(ref)).toBe(words);
  });
});
