import { describe, expect, it } from 'vitest';
import { compileGlob, globProblem, GlobSyntaxError, matchesFilters } from '../../../server/core/match/glob.js';

// Mostly from GitHub's cheat sheet:
// https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#filter-pattern-cheat-sheet
// [patterns (last match wins), value, matches]
const cheatSheet: Array<[string[], string, boolean]> = [
  // Branches and tags
  [['feature/*'], 'feature/my-branch', true],
  [['feature/*'], 'feature/your-branch', true],
  [['feature/*'], 'feature/your-branch/x', false],
  [['feature/*'], 'feature/', true],
  [['feature/*'], 'feature', false],
  [['feature/**'], 'feature/beta-a/my-branch', true],
  [['feature/**'], 'feature/your-branch', true],
  [['feature/**'], 'feature/mona/the/octocat', true],
  [['feature/**'], 'features/x', false],
  [['main', 'releases/mona-the-octocat'], 'main', true],
  [['main', 'releases/mona-the-octocat'], 'releases/mona-the-octocat', true],
  [['main', 'releases/mona-the-octocat'], 'main2', false],
  [['main', 'releases/mona-the-octocat'], 'releases/mona', false],
  [['*'], 'main', true],
  [['*'], 'releases', true],
  [['*'], 'releases/x', false],
  [['**'], 'all/the/branches', true],
  [['**'], 'every/tag', true],
  [['**'], 'main', true],
  [['*feature'], 'mona-feature', true],
  [['*feature'], 'feature', true],
  [['*feature'], 'ver-10-feature', true],
  [['*feature'], 'feature-x', false],
  [['*feature'], 'a/feature', false],
  [['v2*'], 'v2', true],
  [['v2*'], 'v2.0', true],
  [['v2*'], 'v2.9', true],
  [['v2*'], 'v3', false],
  [['v2*'], 'xv2', false],
  [['v[12].[0-9]+.[0-9]+'], 'v1.10.1', true],
  [['v[12].[0-9]+.[0-9]+'], 'v2.0.0', true],
  [['v[12].[0-9]+.[0-9]+'], 'v3.0.0', false],
  [['v[12].[0-9]+.[0-9]+'], 'v1..1', false],
  [['v[12].[0-9]+.[0-9]+'], 'v1.0.0-rc1', false],
  [['v[12].[0-9]+.[0-9]+'], 'v1x0x0', false],
  [['Octo*'], 'Octocat', true],
  [['[CB]at'], 'Cat', true],
  [['[CB]at'], 'Bat', true],
  [['[CB]at'], 'Hat', false],
  [['[CB]at'], 'cat', false],
  [['[1-2]00'], '100', true],
  [['[1-2]00'], '200', true],
  [['[1-2]00'], '300', false],
  [['[0-9a-z]'], 'q', true],
  [['[0-9a-z]'], 'Q', false],
  // Paths
  [['*'], 'README.md', true],
  [['*'], 'server.rb', true],
  [['*'], 'docs/README.md', false],
  [['*.jsx?'], 'page.js', true],
  [['*.jsx?'], 'page.jsx', true],
  [['*.jsx?'], 'page.jsxx', false],
  [['**'], 'all/the/files.md', true],
  [['*.js'], 'app.js', true],
  [['*.js'], 'index.js', true],
  [['*.js'], 'docs/app.js', false],
  [['**.js'], 'index.js', true],
  [['**.js'], 'js/index.js', true],
  [['**.js'], 'src/js/app.js', true],
  [['**.js'], 'src/js/app.jsx', false],
  [['docs/*'], 'docs/README.md', true],
  [['docs/*'], 'docs/file.txt', true],
  [['docs/*'], 'docs/mona/octocat.txt', false],
  [['docs/**'], 'docs/README.md', true],
  [['docs/**'], 'docs/mona/octocat.txt', true],
  [['docs/**'], 'docs', false],
  [['docs/**'], 'src/docs/a.md', false],
  [['docs/**/*.md'], 'docs/README.md', true],
  [['docs/**/*.md'], 'docs/mona/hello-world.md', true],
  [['docs/**/*.md'], 'docs/a/markdown/file.md', true],
  [['docs/**/*.md'], 'docs/a/markdown/file.txt', false],
  [['**/docs/**'], 'docs/hello.md', true],
  [['**/docs/**'], 'dir/docs/my-file.txt', true],
  [['**/docs/**'], 'space/docs/plan/space.doc', true],
  [['**/docs/**'], 'mydocs/a.md', false],
  [['**/README.md'], 'README.md', true],
  [['**/README.md'], 'js/README.md', true],
  [['**/README.md'], 'js/NOT-README.md', false],
  [['**/*src/**'], 'a/src/app.js', true],
  [['**/*src/**'], 'my-src/code/js/app.js', true],
  [['**/*src/**'], 'source/app.js', false],
  [['**/*-post.md'], 'my-post.md', true],
  [['**/*-post.md'], 'path/their-post.md', true],
  [['**/*-post.md'], 'path/post.md', false],
  [['**/migrate-*.sql'], 'migrate-10909.sql', true],
  [['**/migrate-*.sql'], 'db/migrate-v1.0.sql', true],
  [['**/migrate-*.sql'], 'db/sept/migrate-v1.sql', true],
  [['**/migrate-*.sql'], 'db/migrate.sql', false],
  [['*.md', '!README.md'], 'hello.md', true],
  [['*.md', '!README.md'], 'README.md', false],
  [['*.md', '!README.md'], 'docs/hello.md', false],
  [['*.md', '!README.md', 'README*'], 'hello.md', true],
  [['*.md', '!README.md', 'README*'], 'README.md', true],
  [['*.md', '!README.md', 'README*'], 'README.doc', true],
  [['*.md'], 'hello.md', true],
  [['!README.md'], 'README.md', false],
  [['!README.md'], 'hello.md', false],
  [['README*'], 'README.doc', true],
];

// Corner cases beyond the cheat sheet.
const corners: Array<[string[], string, boolean]> = [
  [[], 'main', false],
  [['\\*'], '*', true],
  [['\\*'], 'a', false],
  [['\\[a\\]'], '[a]', true],
  [['a\\?'], 'a?', true],
  [['a\\?'], 'a', false],
  [['\\!important'], '!important', true],
  [['a!b'], 'a!b', true],
  [['release.1'], 'releasex1', false],
  [['a(b)|c'], 'a(b)|c', true],
  [['colou?r'], 'color', true],
  [['colou?r'], 'colour', true],
  [['colou?r'], 'colouur', false],
  [['go+al'], 'goooal', true],
  [['go+al'], 'gal', false],
  [['**', '!release/**', 'release/keep'], 'release/keep', true],
  [['**', '!release/**', 'release/keep'], 'release/drop', false],
  [['**', '!release/**', 'release/keep'], 'main', true],
  [['**/'], 'a/', true],
  [['a/**/b'], 'a/b', true],
  [['a/**/b'], 'a/x/y/b', true],
  [['a/**/b'], 'ab', false],
  [['café/*'], 'café/menu', true],
  [['Main'], 'main', false],
];

describe('matchesFilters', () => {
  it.each(cheatSheet)('cheat sheet: %j against %j → %s', (patterns, value, expected) => {
    expect(matchesFilters(patterns, value)).toBe(expected);
  });

  it.each(corners)('corner: %j against %j → %s', (patterns, value, expected) => {
    expect(matchesFilters(patterns, value)).toBe(expected);
  });

  it('has at least 60 cheat-sheet cases', () => {
    expect(cheatSheet.length).toBeGreaterThanOrEqual(60);
  });
});

describe('compileGlob', () => {
  it('negates a single ! pattern on its own', () => {
    const notReadme = compileGlob('!README.md');
    expect(notReadme('README.md')).toBe(false);
    expect(notReadme('hello.md')).toBe(true);
  });

  it('returns the same compiled matcher for the same pattern (cache)', () => {
    expect(compileGlob('cache/**')).toBe(compileGlob('cache/**'));
  });
});

// [pattern, part of the problem message]
const invalid: Array<[string, string]> = [
  ['', 'empty'],
  ['!', 'empty'],
  ['[]', 'empty `[]`'],
  ['v[12', 'never closed'],
  ['[a-]', '`-`'],
  ['[-a]', '`-`'],
  ['[z-a]', 'range `z-a`'],
  ['[a-Z]', 'range `a-Z`'],
  ['[0-z]', 'range `0-z`'],
  ['[._]', '`.`'],
  ['?abc', '`?` at character 1'],
  ['+abc', '`+` at character 1'],
  ['*?', '`?` at character 2'],
  ['**+', '`+` at character 3'],
  ['a??', '`?` at character 3'],
  ['abc\\', 'escapes nothing'],
];

describe('invalid patterns', () => {
  it.each(invalid)('%j is rejected (%s)', (pattern, problem) => {
    expect(() => compileGlob(pattern)).toThrow(GlobSyntaxError);
    expect(() => matchesFilters(['ok', pattern], 'ok')).toThrow(GlobSyntaxError);
    expect(globProblem(pattern)).toContain(problem);
  });

  it('reports valid patterns as having no problem', () => {
    expect(globProblem('v[12].[0-9]+.[0-9]+')).toBeNull();
    expect(globProblem('!docs/**')).toBeNull();
  });
});
