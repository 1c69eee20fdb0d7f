import { describe, expect, it } from 'vitest';
import type { PushTrigger, Trigger } from '../../../server/core/language/model.js';
import type { PushEvent } from '../../../server/core/match/event.js';
import { push, reasonFor } from './fixtures.js';

const on = (filters: Omit<PushTrigger, 'event'> = {}): PushTrigger => ({ event: 'push', ...filters });

// [case, triggers, event, expected reason (null = runs)]
const cases: Array<[string, Trigger[], PushEvent, string | null]> = [
  ['no filters, branch', [on()], push('refs/heads/main'), null],
  ['no filters, tag', [on()], push('refs/tags/v1.0'), null],
  ['no filters, branch with slashes', [on()], push('refs/heads/feature/a/b'), null],
  ['notes ref', [on()], push('refs/notes/commits'), 'ref `refs/notes/commits` is neither a branch nor a tag'],
  ['pull ref', [on()], push('refs/pull/1/head'), 'ref `refs/pull/1/head` is neither a branch nor a tag'],
  ['bare prefix', [on()], push('refs/heads/'), 'ref `refs/heads/` is neither a branch nor a tag'],
  ['deleted branch', [on()], push('refs/heads/dev', [], { deleted: true }),
    "branch deleted: push workflows don't run on deletion"],
  ['deleted tag', [on({ tags: ['v*'] })], push('refs/tags/v1', [], { deleted: true }),
    "tag deleted: push workflows don't run on deletion"],
  ['created branch runs', [on()], push('refs/heads/new', ['a'], { created: true }), null],
  ['forced push runs', [on({ branches: ['main'] })], push('refs/heads/main', ['a'], { forced: true }), null],

  // Branch filters
  ['branch listed', [on({ branches: ['main', 'release/*'] })], push('refs/heads/release/1.0'), null],
  ['branch not listed', [on({ branches: ['main', 'release/*'] })], push('refs/heads/dev'),
    'branch `dev` not in branches [main, release/*]'],
  ['* does not cross /', [on({ branches: ['release/*'] })], push('refs/heads/release/1.0/hotfix'),
    'branch `release/1.0/hotfix` not in branches [release/*]'],
  ['** crosses /', [on({ branches: ['release/**'] })], push('refs/heads/release/1.0/hotfix'), null],
  ['negation excludes', [on({ branches: ['release/**', '!release/**-alpha'] })], push('refs/heads/release/2-alpha'),
    'branch `release/2-alpha` not in branches [release/**, !release/**-alpha]'],
  ['negation then re-include', [on({ branches: ['release/**', '!release/**-alpha', 'release/keep-alpha'] })],
    push('refs/heads/release/keep-alpha'), null],
  ['branches_ignore matches', [on({ branches_ignore: ['dev', 'tmp/**'] })], push('refs/heads/tmp/a/b'),
    'branch `tmp/a/b` matches branches_ignore [dev, tmp/**]'],
  ['branches_ignore misses', [on({ branches_ignore: ['dev'] })], push('refs/heads/main'), null],
  ['branches_ignore with ! un-ignores', [on({ branches_ignore: ['tmp/*', '!tmp/keep'] })], push('refs/heads/tmp/keep'), null],
  ['empty branches list matches nothing', [on({ branches: [] })], push('refs/heads/main'),
    'branch `main` not in branches []'],
  ['escaped * is literal', [on({ branches: ['wip\\*'] })], push('refs/heads/wip-1'),
    'branch `wip-1` not in branches [wip\\*]'],

  // Only one kind of ref filter shuts out the other kind
  ['branch filter, tag push', [on({ branches: ['**'] })], push('refs/tags/v1'),
    "tag pushes don't match: only branch filters are set"],
  ['branches_ignore, tag push', [on({ branches_ignore: ['dev'] })], push('refs/tags/v1'),
    "tag pushes don't match: only branch filters are set"],
  ['tag filter, branch push', [on({ tags: ['v*'] })], push('refs/heads/main'),
    "branch pushes don't match: only tag filters are set"],
  ['tags_ignore, branch push', [on({ tags_ignore: ['v*'] })], push('refs/heads/main'),
    "branch pushes don't match: only tag filters are set"],
  ['both kinds, tag push', [on({ branches: ['main'], tags: ['v*'] })], push('refs/tags/v2'), null],
  ['both kinds, branch push', [on({ branches: ['main'], tags: ['v*'] })], push('refs/heads/main'), null],

  // Tag filters
  ['tag listed', [on({ tags: ['v[12].[0-9]+.[0-9]+'] })], push('refs/tags/v1.10.1'), null],
  ['tag not listed', [on({ tags: ['v[12].[0-9]+.[0-9]+'] })], push('refs/tags/v3.0.0'),
    'tag `v3.0.0` not in tags [v[12].[0-9]+.[0-9]+]'],
  ['tags_ignore matches', [on({ tags_ignore: ['*-rc*'] })], push('refs/tags/v1-rc1'),
    'tag `v1-rc1` matches tags_ignore [*-rc*]'],
  ['tags_ignore misses', [on({ tags_ignore: ['*-rc*'] })], push('refs/tags/v1'), null],

  // Paths
  ['paths match', [on({ paths: ['docs/**'] })], push('refs/heads/main', ['src/a.py', 'docs/x/y.md']), null],
  ['paths miss', [on({ paths: ['docs/**'] })], push('refs/heads/main', ['src/a.py']),
    'no changed file matches paths [docs/**]'],
  ['paths * does not cross /', [on({ paths: ['*.py'] })], push('refs/heads/main', ['src/a.py']),
    'no changed file matches paths [*.py]'],
  ['paths ** crosses /', [on({ paths: ['**.py'] })], push('refs/heads/main', ['src/a.py']), null],
  ['paths negation excludes every file', [on({ paths: ['docs/**', '!docs/**/*.txt'] })],
    push('refs/heads/main', ['docs/a.txt', 'docs/b/c.txt']), 'no changed file matches paths [docs/**, !docs/**/*.txt]'],
  ['paths negation leaves one file', [on({ paths: ['docs/**', '!docs/**/*.txt'] })],
    push('refs/heads/main', ['docs/a.txt', 'docs/b.md']), null],
  ['paths re-include', [on({ paths: ['docs/**', '!docs/**/*.txt', 'docs/keep.txt'] })],
    push('refs/heads/main', ['docs/keep.txt']), null],
  ['paths_ignore, all ignored', [on({ paths_ignore: ['docs/**', '*.md'] })],
    push('refs/heads/main', ['docs/a.md', 'README.md']), 'every changed file matches paths_ignore [docs/**, *.md]'],
  ['paths_ignore, one not ignored', [on({ paths_ignore: ['docs/**'] })],
    push('refs/heads/main', ['docs/a.md', 'src/a.py']), null],
  ['paths_ignore with ! keeps a file', [on({ paths_ignore: ['docs/**', '!docs/api/**'] })],
    push('refs/heads/main', ['docs/api/x.md']), null],
  ['paths and paths_ignore both hold', [on({ paths: ['src/**'], paths_ignore: ['**/*.md'] })],
    push('refs/heads/main', ['src/a.py']), null],
  ['paths holds, paths_ignore rejects', [on({ paths: ['src/**'], paths_ignore: ['**/*.md'] })],
    push('refs/heads/main', ['src/a.md']), 'every changed file matches paths_ignore [**/*.md]'],
  ['no changed files, paths', [on({ paths: ['**'] })], push('refs/heads/main', []),
    'no changed files to check against paths [**]'],
  ['no changed files, paths_ignore', [on({ paths_ignore: ['docs/**'] })], push('refs/heads/main', []),
    'no changed files to check against paths_ignore [docs/**]'],
  ['no changed files, no path filter', [on({ branches: ['main'] })], push('refs/heads/main', []), null],
  ['truncated list counts as matched', [on({ paths: ['docs/**'] })],
    push('refs/heads/main', ['src/a.py'], { changed_files_truncated: true }), null],
  ['truncated empty list counts as matched', [on({ paths_ignore: ['**'] })],
    push('refs/heads/main', [], { changed_files_truncated: true }), null],
  ['branch holds, paths reject', [on({ branches: ['main'], paths: ['docs/**'] })], push('refs/heads/main', ['a.py']),
    'no changed file matches paths [docs/**]'],
  ['branch rejects before paths', [on({ branches: ['main'], paths: ['docs/**'] })], push('refs/heads/dev', ['a.py']),
    'branch `dev` not in branches [main]'],
  ['tag push ignores paths', [on({ paths: ['docs/**'] })], push('refs/tags/v1', ['src/a.py']), null],
  ['tag push ignores paths with tag filter', [on({ tags: ['v*'], paths: ['docs/**'] })], push('refs/tags/v1', []), null],

  // Several push triggers: any one is enough
  ['second trigger matches', [on({ branches: ['main'] }), on({ tags: ['v*'] })], push('refs/tags/v1'), null],
  ['no trigger matches', [on({ branches: ['main'] }), on({ tags: ['v*'] })], push('refs/heads/dev'),
    "branch `dev` not in branches [main]; branch pushes don't match: only tag filters are set"],
  ['same reason twice is said once', [on({ branches: ['main'] }), on({ branches: ['main'], paths: ['x'] })],
    push('refs/heads/dev'), 'branch `dev` not in branches [main]'],

  // Invalid patterns never match (the parser should already have reported them)
  ['invalid branch pattern', [on({ branches: ['v[12'] })], push('refs/heads/main'),
    'invalid pattern `v[12` in branches: `[` at character 2 is never closed'],
  ['invalid path pattern', [on({ paths: ['?x'] })], push('refs/heads/main'),
    'invalid pattern `?x` in paths: `?` at character 1 must follow a character or a `[...]` set'],

  // Other triggers
  ['workflow without push trigger', [{ event: 'pull_request', types: ['opened'] }, { event: 'manual', inputs: {} }],
    push('refs/heads/main'), 'not triggered by push (triggers: pull_request, manual)'],
  ['workflow without triggers', [], push('refs/heads/main'), 'not triggered by push (no triggers)'],
];

describe('push', () => {
  it.each(cases)('%s', (_name, triggers, event, expected) => {
    expect(reasonFor(triggers, event)).toBe(expected);
  });
});
