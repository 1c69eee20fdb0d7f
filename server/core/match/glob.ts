// Branch, tag and path filter patterns with GitHub Actions semantics:
// https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#filter-pattern-cheat-sheet
// Each pattern is translated once into an anchored RegExp and cached.

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

// Characters that must be escaped to be literal in a `u`-flag RegExp.
const REGEX_SYNTAX = new Set('^$\\.*+?()[]{}|/');
const ALPHANUMERIC = /^[A-Za-z0-9]$/;

function literal(char: string): string {
  return REGEX_SYNTAX.has(char) ? `\\${char}` : char;
}

function sameRangeClass(low: string, high: string): boolean {
  const classes = [/^[a-z]$/, /^[A-Z]$/, /^[0-9]$/];
  return classes.some((c) => c.test(low) && c.test(high)) && low <= high;
}

/** Translates a `[...]` set starting at `chars[start]`; returns the regex and the index after `]`. */
function translateSet(chars: string[], start: number): { source: string; next: number } {
  let i = start + 1;
  let source = '';
  if (chars[i] === ']') throw new Error(`empty \`[]\` at character ${start + 1}`);
  while (i < chars.length && chars[i] !== ']') {
    const char = chars[i] ?? '';
    if (char === '-') throw new Error(`\`-\` at character ${i + 1} must sit between the two ends of a range like \`a-z\``);
    if (!ALPHANUMERIC.test(char)) {
      throw new Error(`\`${char}\` at character ${i + 1}: \`[...]\` may only list letters, digits and ranges`);
    }
    if (chars[i + 1] === '-' && chars[i + 2] !== undefined && chars[i + 2] !== ']') {
      const high = chars[i + 2] ?? '';
      if (!sameRangeClass(char, high)) {
        throw new Error(`range \`${char}-${high}\` at character ${i + 1}: ranges can only be within a-z, A-Z or 0-9`);
      }
      source += `${char}-${high}`;
      i += 3;
    } else {
      source += char;
      i += 1;
    }
  }
  if (i >= chars.length) throw new Error(`\`[\` at character ${start + 1} is never closed`);
  return { source: `[${source}]`, next: i + 1 };
}

/** Translates a pattern body (no leading `!`) into an anchored RegExp source. Throws Error(problem). */
function translate(body: string): string {
  const chars = Array.from(body);
  let out = '';
  // `?` and `+` repeat the preceding character or set; after a wildcard there is nothing to repeat.
  let canRepeat = false;
  let i = 0;
  while (i < chars.length) {
    const char = chars[i] ?? '';
    if (char === '*') {
      if (chars[i + 1] === '*') {
        // `**/` also matches zero folders, so `**/README.md` matches `README.md` (cheat sheet).
        if (chars[i + 2] === '/') {
          out += '(?:.+/)?';
          i += 3;
        } else {
          out += '.*';
          i += 2;
        }
      } else {
        out += '[^/]*';
        i += 1;
      }
      canRepeat = false;
    } else if (char === '?' || char === '+') {
      if (!canRepeat) {
        throw new Error(`\`${char}\` at character ${i + 1} must follow a character or a \`[...]\` set`);
      }
      out += char;
      canRepeat = false;
      i += 1;
    } else if (char === '[') {
      const set = translateSet(chars, i);
      out += set.source;
      canRepeat = true;
      i = set.next;
    } else if (char === '\\') {
      const escaped = chars[i + 1];
      if (escaped === undefined) throw new Error('`\\` at the end escapes nothing');
      out += literal(escaped);
      canRepeat = true;
      i += 2;
    } else {
      out += literal(char);
      canRepeat = true;
      i += 1;
    }
  }
  return `^(?:${out})$`;
}

const CACHE_LIMIT = 4096;
const cache = new Map<string, FilterPattern | GlobSyntaxError>();

function compileUncached(pattern: string): FilterPattern | GlobSyntaxError {
  const negated = pattern.startsWith('!');
  const body = negated ? pattern.slice(1) : pattern;
  if (body === '') return new GlobSyntaxError(pattern, 'the pattern is empty');
  try {
    // `s`: a file name may contain a newline, and `**` must still cross it.
    const regex = new RegExp(translate(body), 'su');
    return { negated, test: (value) => regex.test(value) };
  } catch (error) {
    return new GlobSyntaxError(pattern, error instanceof Error ? error.message : String(error));
  }
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
