// Matching a parsed pattern in time linear in pattern × value: the pattern is a chain of nodes, and the value is
// read once, one code point at a time, while a set of positions in the chain is carried along (an NFA
// simulation). No backtracking, so no pattern and value can make it slow.
import type { ParsedPattern, PatternNode } from './parse.js';

/** Whether `node` matches no character at all as one possibility. */
function canBeEmpty(node: PatternNode): boolean {
  return node.kind === 'star' || node.kind === 'globstar' || node.kind === 'folders' || node.repeat === '?';
}

function atomMatches(node: PatternNode, char: string): boolean {
  if (node.kind === 'char') return node.char === char;
  if (node.kind === 'set') return node.ranges.some(({ low, high }) => char >= low && char <= high);
  return false;
}

/**
 * A matcher for the pattern body (a leading `!` is the caller's business). `**` and `*` cross newlines like any
 * other character; characters are code points, so `?` after an emoji repeats the whole emoji.
 */
export function patternMatcher(pattern: ParsedPattern): (value: string) => boolean {
  const nodes = pattern.nodes;
  const count = nodes.length;
  return (value) => {
    // at[i]: the next node to match is i (count: all matched). inFolders[i]: inside a `**/` node, past its
    // first character and before its closing `/`.
    let at = new Uint8Array(count + 1);
    let inFolders = new Uint8Array(count);
    let nextAt = new Uint8Array(count + 1);
    let nextInFolders = new Uint8Array(count);
    at[0] = 1;
    skipEmpty(nodes, at);
    for (const char of value) {
      nextAt.fill(0);
      nextInFolders.fill(0);
      let alive = false;
      for (let i = 0; i < count; i++) {
        const node = nodes[i] as PatternNode;
        if (inFolders[i] === 1) {
          nextInFolders[i] = 1;
          if (char === '/') nextAt[i + 1] = 1;
          alive = true;
        }
        if (at[i] !== 1) continue;
        switch (node.kind) {
          case 'star':
            if (char !== '/') {
              nextAt[i] = 1;
              alive = true;
            }
            break;
          case 'globstar':
            nextAt[i] = 1;
            alive = true;
            break;
          case 'folders':
            nextInFolders[i] = 1;
            alive = true;
            break;
          default:
            if (atomMatches(node, char)) {
              nextAt[i + 1] = 1;
              // After one repetition of `x+`, more may follow: state i again.
              if (node.repeat === '+') nextAt[i] = 1;
              alive = true;
            }
        }
      }
      [at, nextAt] = [nextAt, at];
      [inFolders, nextInFolders] = [nextInFolders, inFolders];
      skipEmpty(nodes, at);
      if (!alive) return false;
    }
    return at[count] === 1;
  };
}

/** Closes `at` under skipping nodes that can match nothing (positions only move forward, so one pass does). */
function skipEmpty(nodes: readonly PatternNode[], at: Uint8Array): void {
  for (let i = 0; i < nodes.length; i++) {
    if (at[i] === 1 && canBeEmpty(nodes[i] as PatternNode)) at[i + 1] = 1;
  }
}
