import { describe, expect, it } from 'vitest';
import { byPushPriority } from '../../../server/core/refs/push-order.js';

const update = (ref: string) => ({ before: '0'.repeat(40), after: 'a'.repeat(40), ref });

describe('byPushPriority', () => {
  it.each([
    ['the default branch, branches, then tags, each by name', 'main',
      ['refs/tags/v1', 'refs/heads/b', 'refs/heads/main', 'refs/heads/a', 'refs/tags/v0'],
      ['refs/heads/main', 'refs/heads/a', 'refs/heads/b', 'refs/tags/v0', 'refs/tags/v1']],
    ['no default branch', null, ['refs/tags/v1', 'refs/heads/main'], ['refs/heads/main', 'refs/tags/v1']],
  ])('%s', (_name, defaultBranch, refs, expected) => {
    expect(byPushPriority(refs.map(update), defaultBranch).map((u) => u.ref)).toEqual(expected);
  });
});
