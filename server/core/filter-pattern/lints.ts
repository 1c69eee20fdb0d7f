// Lints of valid patterns, after actionlint's glob checks (glob.go): an error for a pattern that can never match
// (a character git refuses in ref names, a `./` folder in a path), a warning for one that matches, but surely not
// what its author meant (`\d`, `[x]`, a stray space). Ref name rules: `man git-check-ref-format`.
import type { ParsedPattern, PatternNode } from './parse.js';

export type PatternKind = 'ref' | 'path';

export interface PatternLint {
  code: 'bad-glob' | 'bad-ref-pattern' | 'bad-path-pattern' | 'regex-escape' | 'single-character-set' | 'path-whitespace';
  severity: 'error' | 'warning';
  /** A full sentence without the final period. */
  message: string;
  /** The offending character (code points from the start of the pattern, `!` included). */
  offset: number;
}

type CharNode = Extract<PatternNode, { kind: 'char' }>;

const REFUSED_IN_REFS: Readonly<Record<string, string>> = {
  ' ': 'a space', '~': '`~`', '^': '`^`', ':': '`:`', '?': '`?`', '*': '`*`', '[': '`[`', '\\': 'a backslash',
};

// Backslash escapes that mean a class or a control character in regular expressions.
const REGEX_ESCAPES: Readonly<Record<string, string>> = {
  d: '`[0-9]` for a digit', D: '', w: '`[a-zA-Z0-9]` for a letter or digit', W: '', s: '', S: '', b: '', B: '',
  n: '', r: '', t: '',
};

const quoted = (text: string): string => `\`${text}\``;

function refusedInRefs(char: string): string | undefined {
  const code = char.codePointAt(0) ?? 0;
  if (code < 0x20 || code === 0x7f) return char === '\n' ? 'a newline' : char === '\t' ? 'a tab' : 'a control character';
  return REFUSED_IN_REFS[char];
}

/** The offset of the character a char node stands for (after its `\` when escaped). */
const charOffset = (node: CharNode): number => (node.escaped ? node.offset + 1 : node.offset);

function refLints(pattern: string, nodes: readonly PatternNode[]): PatternLint[] {
  const lints: PatternLint[] = [];
  const never = (offset: number, why: string): void => {
    lints.push({ code: 'bad-ref-pattern', severity: 'error', message: `${quoted(pattern)} can never match a branch or tag: ${why}`, offset });
  };
  const refused = nodes.find((n): n is CharNode => n.kind === 'char' && refusedInRefs(n.char) !== undefined);
  if (refused !== undefined) never(charOffset(refused), `git refuses ${refusedInRefs(refused.char) ?? ''} in branch and tag names`);
  const first = nodes[0];
  const startsWithSlash = first?.kind === 'char' && first.char === '/';
  if (startsWithSlash) never(charOffset(first), 'their names never start with `/`');
  const last = nodes[nodes.length - 1];
  const endsBadly = last?.kind === 'char' && (last.char === '/' || last.char === '.') && last.repeat !== '?';
  if (endsBadly && !(startsWithSlash && last === first)) never(charOffset(last), `their names never end with ${quoted(last.char)}`);
  return lints;
}

/** Each `/`-separated folder of a path pattern, as its nodes. */
function segments(nodes: readonly PatternNode[]): PatternNode[][] {
  const result: PatternNode[][] = [[]];
  for (const node of nodes) {
    if (node.kind === 'folders' || (node.kind === 'char' && node.char === '/')) result.push([]);
    else result[result.length - 1]?.push(node);
  }
  return result;
}

function pathLints(pattern: string, body: string, bodyStart: number, nodes: readonly PatternNode[]): PatternLint[] {
  const lints: PatternLint[] = [];
  if (body.startsWith('/')) {
    lints.push({ code: 'bad-glob', severity: 'error', message: `${quoted(pattern)} is not a valid pattern: paths are relative to the repository root; remove the leading \`/\``, offset: bodyStart });
  }
  const dots = segments(nodes).find((s) => s.length > 0 && s.length <= 2 && s.every((n) => n.kind === 'char' && n.char === '.' && n.repeat === ''));
  if (dots?.[0] !== undefined) {
    lints.push({
      code: 'bad-path-pattern', severity: 'error', offset: dots[0].offset,
      message: `${quoted(pattern)} can never match a file: changed paths have no \`.\` or \`..\` folders`,
    });
  }
  const chars = Array.from(body);
  const leading = chars.findIndex((c) => c.trim() !== '');
  let trailing = chars.length;
  while (trailing > 0 && (chars[trailing - 1] ?? '').trim() === '') trailing -= 1;
  if (leading !== 0 || trailing !== chars.length) {
    lints.push({
      code: 'path-whitespace', severity: 'warning', offset: bodyStart + (leading !== 0 ? 0 : trailing),
      message: `${quoted(pattern)} starts or ends with whitespace, which only matches files whose names do; remove it`,
    });
  }
  return lints;
}

function commonLints(pattern: string, nodes: readonly PatternNode[]): PatternLint[] {
  const lints: PatternLint[] = [];
  const escape = nodes.find((n): n is CharNode => n.kind === 'char' && n.escaped && REGEX_ESCAPES[n.char] !== undefined);
  if (escape !== undefined) {
    const instead = REGEX_ESCAPES[escape.char] || 'the letter itself';
    lints.push({
      code: 'regex-escape', severity: 'warning', offset: escape.offset,
      message: `${quoted(`\\${escape.char}`)} in ${quoted(pattern)} matches the letter ${quoted(escape.char)}: patterns are not regular expressions; write ${instead}`,
    });
  }
  const chars = Array.from(pattern);
  for (const node of nodes) {
    const range = node.kind === 'set' && node.ranges.length === 1 ? node.ranges[0] : undefined;
    if (range !== undefined && range.low === range.high) {
      const set = chars.slice(node.offset, chars.indexOf(']', node.offset) + 1).join('');
      lints.push({
        code: 'single-character-set', severity: 'warning', offset: node.offset,
        message: `${quoted(set)} in ${quoted(pattern)} matches only ${quoted(range.low)}; write ${quoted(range.low)}`,
      });
    }
  }
  return lints;
}

/** The lints of a valid pattern, in pattern order. */
export function patternLints(text: string, kind: PatternKind, pattern: ParsedPattern): PatternLint[] {
  const bodyStart = pattern.negated ? 1 : 0;
  const body = pattern.negated ? text.slice(1) : text;
  const lints = [
    ...(kind === 'ref' ? refLints(text, pattern.nodes) : pathLints(text, body, bodyStart, pattern.nodes)),
    ...commonLints(text, pattern.nodes),
  ];
  return lints.sort((a, b) => a.offset - b.offset);
}
