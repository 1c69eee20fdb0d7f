// Branch, tag and path filter patterns with GitHub Actions semantics:
// https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#filter-pattern-cheat-sheet
// Each pattern is parsed once (core/filter-pattern) into a linear-time matcher, and cached.
import { parseFilterPattern, patternMatcher } from '../filter-pattern/index.js';

/** Thrown by `compileGlob` / `matchesFilters` for a pattern GitHub would reject. */
export class GlobSyntaxError extends Error {
  override readonly name = 'GlobSyntaxError';
  constructor(
    readonly pattern: string,
    /** What is wrong, without the pattern, e.g. "`[` at character 3 is never closed". */
    readonly problem: string,
  ) {
    super(`invalid pattern \`${pattern}\`: ${problem}`);
  }
}

export interface FilterPattern {
  /** The pattern started with `!`: a match excludes instead of includes. */
  negated: boolean;
  /** Whether the value matches the pattern body (the part after a leading `!`). */
  test: (value: string) => boolean;
}

const CACHE_LIMIT = 4096;
const cache = new Map<string, FilterPattern | GlobSyntaxError>();

function compileUncached(pattern: string): FilterPattern | GlobSyntaxError {
  const parsed = parseFilterPattern(pattern);
  if (!parsed.ok) return new GlobSyntaxError(pattern, parsed.problems[0]?.message ?? 'invalid pattern');
  return { negated: parsed.pattern.negated, test: patternMatcher(parsed.pattern) };
}

/** Compiles (once, cached) a filter pattern that may start with `!`. Throws GlobSyntaxError. */
export function compileFilterPattern(pattern: string): FilterPattern {
  let compiled = cache.get(pattern);
  if (compiled === undefined) {
    compiled = compileUncached(pattern);
    // Patterns come from user files; a bound keeps a long-running service from growing without end.
    if (cache.size >= CACHE_LIMIT) {
      const oldest = cache.keys().next();
      if (oldest.done !== true) cache.delete(oldest.value);
    }
    cache.set(pattern, compiled);
  }
  if (compiled instanceof GlobSyntaxError) throw compiled;
  return compiled;
}

/**
 * A matcher for one pattern. A leading `!` negates it: `compileGlob('!README.md')` matches every value except
 * `README.md`. Lists of patterns are combined by `matchesFilters`, not by this. Throws GlobSyntaxError.
 */
export function compileGlob(pattern: string): (value: string) => boolean {
  const { negated, test } = compileFilterPattern(pattern);
  return negated ? (value) => !test(value) : test;
}

/** The reason a pattern is invalid, or null when it is valid (for diagnostics). */
export function globProblem(pattern: string): string | null {
  try {
    compileFilterPattern(pattern);
    return null;
  } catch (error) {
    if (error instanceof GlobSyntaxError) return error.problem;
    throw error;
  }
}

/**
 * "Last matching pattern wins": start excluded; a matching pattern includes the value, a matching `!pattern`
 * excludes it again, a later matching pattern re-includes it. Throws GlobSyntaxError on an invalid pattern.
 */
export function matchesFilters(patterns: readonly string[], value: string): boolean {
  let included = false;
  for (const pattern of patterns) {
    const { negated, test } = compileFilterPattern(pattern);
    if (test(value)) included = !negated;
  }
  return included;
}
