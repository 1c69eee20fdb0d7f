import { describe, expect, it } from 'vitest';
import { PermanentEventError, classifyEventFailure, payloadProblem } from '../../../server/core/trigger/event-failure.js';

const withCode = (code: string) => Object.assign(new Error('connection'), { code });
const named = (name: string) => Object.assign(new Error('x'), { name });

describe('classifying an event failure', () => {
  it.each<[string, unknown, 'transient' | 'permanent']>([
    ['a commit or ref that does not exist', new PermanentEventError('refs/heads/gone does not name a commit'), 'permanent'],
    ['work over its time or memory budget', named('UntrustedWorkError'), 'permanent'],
    ['a lost database connection', withCode('CONNECTION_CLOSED'), 'transient'],
    ['a database that refuses connections', withCode('ECONNREFUSED'), 'transient'],
    ['a git process that failed', named('GitError'), 'transient'],
    ['git not found', named('GitNotFoundError'), 'transient'],
    ['a constraint broken by a write', withCode('23505'), 'transient'],
    ['an unknown error', new Error('something odd'), 'transient'],
    ['a thrown string', 'boom', 'transient'],
    ['null', null, 'transient'],
    ['undefined', undefined, 'transient'],
  ])('%s is %s', (_, error, expected) => {
    expect(classifyEventFailure(error)).toBe(expected);
  });
});

describe('payload problems', () => {
  const sha = 'a'.repeat(40);
  it.each<[string, string, unknown, string | null]>([
    ['a push', 'push', { ref: 'refs/heads/main', before: sha, after: sha }, null],
    ['a push without `after`', 'push', { ref: 'refs/heads/main', before: sha }, 'the push payload lacks `after`'],
    ['a push from the ref limit', 'push', { dropped: 3, limit: 1, refs: [] }, 'the push payload lacks `ref`, `before`, `after`'],
    ['not an object', 'push', [1], 'the payload is not a JSON object'],
    ['null', 'issue', null, 'the payload is not a JSON object'],
    ['a pull request', 'pull_request', { action: 'opened', base_ref: 'main', head_ref: 'f', base_sha: sha, head_sha: sha }, null],
    ['a pull request without head_sha', 'pull_request', { action: 'opened', base_ref: 'main', head_ref: 'f', base_sha: sha },
      'the pull_request payload lacks `head_sha`'],
    ['an issue', 'issue', { action: 'opened' }, null],
    ['a dispatch with a numeric ref', 'dispatch', { ref: 5 }, "the dispatch payload's `ref` is not a string"],
    ['a schedule', 'schedule', { cron: '* * * * *', timezone: 'UTC', workflow: { path: 'a.py', function: 'f' } }, null],
    ['a schedule without its workflow', 'schedule', { cron: '* * * * *', timezone: 'UTC' },
      'the schedule payload lacks its `workflow` (`path`, `function`)'],
    ['a kind this check does not know', 'workflow_run', {}, null],
  ])('%s', (_, kind, payload, expected) => {
    expect(payloadProblem(kind, payload)).toBe(expected);
  });
});
