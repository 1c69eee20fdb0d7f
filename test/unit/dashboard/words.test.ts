import { describe, expect, it } from 'vitest';
import { eventSubject } from '../../../server/web/components.js';
import { refInWords } from '../../../server/web/layout.js';

describe('what an event is about, in words', () => {
  it.each([
    ['push', { ref: 'refs/heads/main', before: '0'.repeat(40), after: 'abcdef0123456789' }, 'main: 0000000000 → abcdef0123'],
    ['push', { ref: 'refs/tags/v1', after: 'abc' }, 'v1 (tag): ? → abc'],
    ['push', {}, ''],
    ['schedule', { cron: '0 3 * * *', scheduled_at: '2026-01-01T03:00:00.000Z' }, '0 3 * * * at 2026-01-01T03:00:00.000Z'],
    ['pull_request', { action: 'opened', head_ref: 'feature', base_ref: 'main' }, 'opened feature → main'],
    ['issue', { action: 'labeled' }, 'labeled'],
    ['dispatch', { ref: 'refs/heads/main' }, 'refs/heads/main'],
    ['chat', { action: 5 }, ''],
  ])('%s %j', (kind, payload, expected) => {
    expect(eventSubject(kind, payload)).toBe(expected);
  });

  it.each([
    ['refs/heads/main', 'main'], ['refs/heads/release/1.x', 'release/1.x'], ['refs/tags/v1.0', 'v1.0 (tag)'], ['refs/pull/1/head', 'refs/pull/1/head'],
  ])('%s', (ref, expected) => {
    expect(refInWords(ref)).toBe(expected);
  });
});
