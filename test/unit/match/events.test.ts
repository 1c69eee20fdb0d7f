import { describe, expect, it } from 'vitest';
import type { PullRequestTrigger, ScheduleTrigger, Trigger } from '../../../server/core/language/model.js';
import type { TriggerEvent } from '../../../server/core/match/event.js';
import { pullRequest, reasonFor } from './fixtures.js';

const schedule = (cron: string, timezone = 'UTC'): ScheduleTrigger => ({ event: 'schedule', cron, timezone });
const pr = (filters: Partial<Omit<PullRequestTrigger, 'event'>> = {}): PullRequestTrigger => ({
  event: 'pull_request', types: ['opened', 'synchronize', 'reopened'], ...filters,
});

// [case, triggers, event, expected reason (null = runs)]
const cases: Array<[string, Trigger[], TriggerEvent, string | null]> = [
  // pull_request
  ['default types: opened', [pr()], pullRequest('opened', 'main'), null],
  ['default types: synchronize', [pr()], pullRequest('synchronize', 'main'), null],
  ['default types: closed', [pr()], pullRequest('closed', 'main'),
    'pull_request action `closed` not in types [opened, synchronize, reopened]'],
  ['empty types means the default', [pr({ types: [] })], pullRequest('reopened', 'main'), null],
  ['empty types still rejects closed', [pr({ types: [] })], pullRequest('closed', 'main'),
    'pull_request action `closed` not in types [opened, synchronize, reopened]'],
  ['explicit types', [pr({ types: ['closed', 'labeled'] })], pullRequest('labeled', 'main'), null],
  ['explicit types reject', [pr({ types: ['closed'] })], pullRequest('opened', 'main'),
    'pull_request action `opened` not in types [closed]'],
  ['base branch listed', [pr({ branches: ['main', 'release/**'] })], pullRequest('opened', 'release/1/x'), null],
  ['base branch with refs/heads/', [pr({ branches: ['main'] })], pullRequest('opened', 'refs/heads/main'), null],
  ['base branch not listed', [pr({ branches: ['main'] })], pullRequest('opened', 'refs/heads/dev'),
    'base branch `dev` not in branches [main]'],
  ['head branch is not what is filtered', [pr({ branches: ['feature/x'] })], pullRequest('opened', 'main'),
    'base branch `main` not in branches [feature/x]'],
  ['base branch ignored', [pr({ branches_ignore: ['legacy/**'] })], pullRequest('opened', 'legacy/v1'),
    'base branch `legacy/v1` matches branches_ignore [legacy/**]'],
  ['base branch negation', [pr({ branches: ['**', '!wip'] })], pullRequest('opened', 'wip'),
    'base branch `wip` not in branches [**, !wip]'],
  ['paths', [pr({ paths: ['src/**'] })], pullRequest('opened', 'main', ['src/a.py']), null],
  ['paths miss', [pr({ paths: ['src/**'] })], pullRequest('opened', 'main', ['docs/a.md']),
    'no changed file matches paths [src/**]'],
  ['paths_ignore all', [pr({ paths_ignore: ['docs/**'] })], pullRequest('opened', 'main', ['docs/a.md']),
    'every changed file matches paths_ignore [docs/**]'],
  ['no changed files', [pr({ paths: ['src/**'] })], pullRequest('opened', 'main', []),
    'no changed files to check against paths [src/**]'],
  ['truncated', [pr({ paths: ['src/**'] })], pullRequest('opened', 'main', [], { changed_files_truncated: true }), null],
  ['types checked before branches', [pr({ branches: ['main'] })], pullRequest('closed', 'dev'),
    'pull_request action `closed` not in types [opened, synchronize, reopened]'],
  ['any of two pull_request triggers', [pr({ branches: ['main'] }), pr({ types: ['closed'] })],
    pullRequest('closed', 'dev'), null],
  ['not triggered by pull_request', [{ event: 'push' }], pullRequest('opened', 'main'),
    'not triggered by pull_request (triggers: push)'],

  // issue
  ['issue type listed', [{ event: 'issue', types: ['opened', 'labeled'] }], { kind: 'issue', action: 'labeled' }, null],
  ['issue type not listed', [{ event: 'issue', types: ['opened'] }], { kind: 'issue', action: 'closed' },
    'issue action `closed` not in types [opened]'],
  ['issue empty types means all', [{ event: 'issue', types: [] }], { kind: 'issue', action: 'commented' }, null],
  ['not triggered by issue', [{ event: 'chat' }], { kind: 'issue', action: 'opened' },
    'not triggered by issue (triggers: chat)'],

  // chat, dispatch
  ['chat', [{ event: 'chat' }], { kind: 'chat' }, null],
  ['not triggered by chat', [{ event: 'dispatch' }], { kind: 'chat' }, 'not triggered by chat (triggers: dispatch)'],
  ['dispatch', [{ event: 'push' }, { event: 'dispatch' }], { kind: 'dispatch' }, null],
  ['not triggered by dispatch', [{ event: 'push' }, { event: 'push', branches: ['x'] }], { kind: 'dispatch' },
    'not triggered by dispatch (triggers: push)'],

  // schedule
  ['any schedule without cron', [schedule('0 3 * * *', 'Europe/Berlin')], { kind: 'schedule' }, null],
  ['schedule with the same cron', [schedule('0 3 * * *')], { kind: 'schedule', cron: '0 3 * * *' }, null],
  ['schedule with another cron', [schedule('0 3 * * *')], { kind: 'schedule', cron: '0 4 * * *' },
    'schedule `0 3 * * *` is not the cron `0 4 * * *`'],
  ['second schedule has the cron', [schedule('0 3 * * *'), schedule('*/5 * * * *')], { kind: 'schedule', cron: '*/5 * * * *' }, null],
  ['cron compared exactly', [schedule('0 3 * * *')], { kind: 'schedule', cron: '0  3 * * *' },
    'schedule `0 3 * * *` is not the cron `0  3 * * *`'],
  ['same cron and zone', [schedule('0 3 * * *', 'Europe/Berlin')], { kind: 'schedule', cron: '0 3 * * *', timezone: 'Europe/Berlin' }, null],
  ['an event without a zone means UTC', [schedule('0 3 * * *', 'Europe/Berlin')], { kind: 'schedule', cron: '0 3 * * *' },
    'schedule `0 3 * * *` in Europe/Berlin is not the cron `0 3 * * *` in UTC'],
  ['same cron, another zone', [schedule('0 3 * * *')], { kind: 'schedule', cron: '0 3 * * *', timezone: 'Asia/Kolkata' },
    'schedule `0 3 * * *` in UTC is not the cron `0 3 * * *` in Asia/Kolkata'],
  ['the zone of the schedule with the cron', [schedule('0 3 * * *'), schedule('0 3 * * *', 'Asia/Kolkata')],
    { kind: 'schedule', cron: '0 3 * * *', timezone: 'Asia/Kolkata' }, null],
  ['not triggered by schedule', [{ event: 'push' }], { kind: 'schedule' },
    'not triggered by schedule (triggers: push)'],
];

describe('pull_request, issue, chat, dispatch, schedule', () => {
  it.each(cases)('%s', (_name, triggers, event, expected) => {
    expect(reasonFor(triggers, event)).toBe(expected);
  });
});
