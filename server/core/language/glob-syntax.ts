// Syntax check for branch, tag and path filter patterns, with the same rules as the glob engine in
// core/match/glob.ts (kept separate so the parser does not depend on the matcher).
// https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#filter-pattern-cheat-sheet
//   *  any characters except `/`      **  any characters        [abc] [a-z]  one listed character
//   ?  zero or one of the preceding    +   one or more of the preceding
//   \  escapes the next character      !   (leading) excludes what the rest matches

export type GlobKind = 'ref' | 'path';

const ALPHANUMERIC_CLASSES: ReadonlyArray<readonly [string, string]> = [['a', 'z'], ['A', 'Z'], ['0', '9']];

function alphanumericClass(char: string): number {
  return ALPHANUMERIC_CLASSES.findIndex(([low, high]) => char.length === 1 && char >= low && char <= high);
}

/** Why `pattern` is not a valid filter pattern, or null when it is. `path` patterns may not start with `/`. */
export function globSyntaxError(pattern: string, kind: GlobKind = 'ref'): string | null {
  const chars = Array.from(pattern);
  const first = chars[0] === '!' ? 1 : 0;
  if (chars.length === 0) return 'the pattern is empty';
  if (chars.length === first) return '`!` must be followed by a pattern to exclude';
  if (kind === 'path' && chars[first] === '/') {
    return 'paths are relative to the repository root; remove the leading `/`';
  }
  let canRepeat = false; // `?` and `+` repeat the preceding character or set
  let i = first;
  while (i < chars.length) {
    const char = chars[i] as string;
    const at = `at character ${i + 1}`;
    if (char === '*') {
      // `**/` is one wildcard (it may match no folder at all), so its `/` is not a character to repeat.
      i += chars[i + 1] !== '*' ? 1 : chars[i + 2] === '/' ? 3 : 2;
      canRepeat = false;
    } else if (char === '?' || char === '+') {
      if (!canRepeat) return `\`${char}\` ${at} must follow a character or a \`[...]\` set; write \`\\${char}\` for a literal \`${char}\``;
      i += 1;
      canRepeat = false;
    } else if (char === '[') {
      const end = characterSetEnd(chars, i);
      if (typeof end === 'string') return end;
      i = end + 1;
      canRepeat = true;
    } else if (char === '\\') {
      if (i + 1 >= chars.length) return 'the pattern ends with a lone `\\`; write `\\\\` for a literal backslash';
      i += 2;
      canRepeat = true;
    } else {
      i += 1;
      canRepeat = true;
    }
  }
  return null;
}

/** Index of the `]` closing the set opened at `start`, or what is wrong with the set. */
function characterSetEnd(chars: readonly string[], start: number): number | string {
  let i = start + 1;
  if (chars[i] === ']') return `the set \`[]\` at character ${start + 1} is empty`;
  while (i < chars.length && chars[i] !== ']') {
    const char = chars[i] as string;
    if (char === '-') return `\`-\` at character ${i + 1} must sit between the two ends of a range like \`a-z\``;
    const charClass = alphanumericClass(char);
    if (charClass < 0) return `\`${char}\` at character ${i + 1}: \`[...]\` may only list letters, digits and ranges`;
    const high = chars[i + 2];
    if (chars[i + 1] === '-' && high !== undefined && high !== ']') {
      if (alphanumericClass(high) !== charClass || high < char) {
        return `the range \`${char}-${high}\` at character ${i + 1} must go upwards within a-z, A-Z or 0-9`;
      }
      i += 3;
    } else {
      i += 1;
    }
  }
  if (i >= chars.length) return `the \`[\` at character ${start + 1} is never closed; write \`\\[\` for a literal \`[\``;
  return i;
}
