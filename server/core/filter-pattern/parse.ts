// The one grammar of branch, tag and path filter patterns (GitHub's cheat sheet):
// https://docs.github.com/en/actions/writing-workflows/workflow-syntax-for-github-actions#filter-pattern-cheat-sheet
//   *  any characters except `/`      **  any characters        **/  zero or more folders
//   [abc] [a-z]  one listed character  ?  zero or one of the preceding    +  one or more of the preceding
//   \  escapes the next character      !   (leading) excludes what the rest matches
// Offsets count characters (code points) of the whole pattern, the leading `!` included, from 0.

/** One letter or digit, or a range within a-z, A-Z or 0-9. */
export interface SetRange {
  low: string;
  high: string;
}

export type PatternNode =
  | { kind: 'char'; char: string; escaped: boolean; repeat: Repeat; offset: number }
  | { kind: 'set'; ranges: SetRange[]; repeat: Repeat; offset: number }
  /** `*`: any run of characters other than `/`. */
  | { kind: 'star'; offset: number }
  /** `**`: any run of characters. */
  | { kind: 'globstar'; offset: number }
  // `**` then `/`: zero or more whole folders, as `(?:.+/)?`, so `**/README.md` also matches `README.md`.
  | { kind: 'folders'; offset: number };

/** `?` zero or one, `+` one or more, '' exactly one. */
export type Repeat = '' | '?' | '+';

export interface ParsedPattern {
  /** The pattern started with `!`: a match excludes instead of includes. */
  negated: boolean;
  nodes: PatternNode[];
}

export interface PatternProblem {
  /** What is wrong, e.g. "`[` at character 3 is never closed". */
  message: string;
  /** How to fix it, for diagnostics, e.g. "write `\[` for a literal `[`". */
  hint?: string;
  /** The offending character, or null when the whole pattern is at fault (it is empty). */
  offset: number | null;
}

export type ParseResult = { ok: true; pattern: ParsedPattern } | { ok: false; problems: PatternProblem[] };

const ALPHANUMERIC_CLASSES: ReadonlyArray<readonly [string, string]> = [['a', 'z'], ['A', 'Z'], ['0', '9']];

function alphanumericClass(char: string): number {
  return ALPHANUMERIC_CLASSES.findIndex(([low, high]) => char.length === 1 && char >= low && char <= high);
}

class SyntaxProblem extends Error {
  constructor(readonly problem: PatternProblem) {
    super(problem.message);
  }
}

function fail(offset: number | null, message: string, hint?: string): never {
  throw new SyntaxProblem(hint === undefined ? { message, offset } : { message, hint, offset });
}

/** Parses a filter pattern. Never throws: a bad pattern is a problem with the offset of its first bad character. */
export function parseFilterPattern(text: string): ParseResult {
  try {
    return { ok: true, pattern: parseOrThrow(Array.from(text)) };
  } catch (error) {
    if (error instanceof SyntaxProblem) return { ok: false, problems: [error.problem] };
    throw error;
  }
}

function parseOrThrow(chars: readonly string[]): ParsedPattern {
  const negated = chars[0] === '!';
  if (chars.length === 0) fail(null, 'the pattern is empty');
  if (negated && chars.length === 1) fail(0, 'the pattern after `!` is empty', 'write the pattern to exclude after `!`');
  const nodes: PatternNode[] = [];
  let i = negated ? 1 : 0;
  while (i < chars.length) {
    const char = chars[i] as string;
    if (char === '*') {
      if (chars[i + 1] !== '*') {
        nodes.push({ kind: 'star', offset: i });
        i += 1;
      } else if (chars[i + 2] === '/') {
        nodes.push({ kind: 'folders', offset: i });
        i += 3;
      } else {
        nodes.push({ kind: 'globstar', offset: i });
        i += 2;
      }
    } else if (char === '?' || char === '+') {
      const last = nodes[nodes.length - 1];
      if (last === undefined || (last.kind !== 'char' && last.kind !== 'set') || last.repeat !== '') {
        fail(i, `\`${char}\` at character ${i + 1} must follow a character or a \`[...]\` set`, `write \`\\${char}\` for a literal \`${char}\``);
      }
      last.repeat = char;
      i += 1;
    } else if (char === '[') {
      const set = parseSet(chars, i);
      nodes.push({ kind: 'set', ranges: set.ranges, repeat: '', offset: i });
      i = set.next;
    } else if (char === '\\') {
      const escaped = chars[i + 1];
      if (escaped === undefined) fail(i, `\`\\\` at the end escapes nothing`, 'write `\\\\` for a literal backslash');
      nodes.push({ kind: 'char', char: escaped, escaped: true, repeat: '', offset: i });
      i += 2;
    } else {
      nodes.push({ kind: 'char', char, escaped: false, repeat: '', offset: i });
      i += 1;
    }
  }
  return { negated, nodes };
}

/** The `[...]` set opened at `chars[start]`, and the index after its `]`. */
function parseSet(chars: readonly string[], start: number): { ranges: SetRange[]; next: number } {
  let i = start + 1;
  if (chars[i] === ']') fail(start, `empty \`[]\` at character ${start + 1}`, 'list letters, digits or ranges like `a-z` inside');
  const ranges: SetRange[] = [];
  while (i < chars.length && chars[i] !== ']') {
    const char = chars[i] as string;
    if (char === '-') fail(i, `\`-\` at character ${i + 1} must sit between the two ends of a range like \`a-z\``);
    const charClass = alphanumericClass(char);
    if (charClass < 0) fail(i, `\`${char}\` at character ${i + 1}: \`[...]\` may only list letters, digits and ranges`);
    const high = chars[i + 2];
    if (chars[i + 1] === '-' && high !== undefined && high !== ']') {
      if (alphanumericClass(high) !== charClass || high < char) {
        fail(i, `range \`${char}-${high}\` at character ${i + 1}: ranges can only go upwards within a-z, A-Z or 0-9`);
      }
      ranges.push({ low: char, high });
      i += 3;
    } else {
      ranges.push({ low: char, high: char });
      i += 1;
    }
  }
  if (i >= chars.length) fail(start, `\`[\` at character ${start + 1} is never closed`, 'write `\\[` for a literal `[`');
  return { ranges, next: i + 1 };
}
