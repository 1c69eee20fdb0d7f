// Reports tree-sitter's ERROR and MISSING nodes as `syntax-error` and `missing-token` diagnostics.
import type { Node } from 'web-tree-sitter';
import type { DiagnosticList, Position } from './diagnostics.js';
import { excerptOf, positionOf } from './tree-helpers.js';

export const MAX_SYNTAX_DIAGNOSTICS = 20;

const CLOSING: Readonly<Record<string, string>> = { ')': '(', ']': '[', '}': '{' };

/** Call only when `root.hasError`; walks just the subtrees that contain errors. */
export function reportSyntaxErrors(root: Node, source: string, diagnostics: DiagnosticList): void {
  let reported = 0;
  let more = 0;
  let firstUnreported: Position | undefined;
  const pending: Node[] = [root];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    const isMissing = node.isMissing;
    if (isMissing || node.type === 'ERROR') {
      if (reported < MAX_SYNTAX_DIAGNOSTICS) {
        if (isMissing) diagnostics.error('missing-token', `Syntax error: missing ${describeMissing(node)}.`, positionOf(node));
        else reportErrorNode(node, source, diagnostics);
        reported += 1;
      } else {
        firstUnreported ??= positionOf(node);
        more += 1;
      }
      continue;
    }
    const children = node.children;
    for (let i = children.length - 1; i >= 0; i--) {
      const child = children[i];
      if (child?.hasError) pending.push(child);
    }
  }
  if (firstUnreported !== undefined) {
    diagnostics.error('syntax-error', `…and ${more} more syntax ${more === 1 ? 'error' : 'errors'} from here on.`, firstUnreported);
  }
}

/** `)` for punctuation and keywords, `identifier` or `string` for named nodes. */
function describeMissing(node: Node): string {
  const type = node.type;
  return node.isNamed ? `${'aeiou'.includes(type.charAt(0)) ? 'an' : 'a'} ${type.replaceAll('_', ' ')}` : `\`${type}\``;
}

function reportErrorNode(node: Node, source: string, diagnostics: DiagnosticList): void {
  const unclosed = lastUnclosedBracket(node, source);
  if (unclosed !== undefined) {
    const { bracket, at } = unclosed;
    diagnostics.error('syntax-error', `Syntax error: this \`${bracket}\` is never closed.`, at);
    return;
  }
  const excerpt = excerptOf(node, source);
  const what = excerpt === '' ? 'here' : `at \`${excerpt}\``;
  diagnostics.error('syntax-error', `Syntax error ${what}: this is not valid Python; look for a missing or extra bracket, quote, comma or colon.`, positionOf(node));
}

/** The innermost bracket an ERROR node opens but never closes (the usual cause of a big ERROR node). */
function lastUnclosedBracket(node: Node, source: string): { bracket: string; at: Position } | undefined {
  const open: Node[] = [];
  for (const child of node.children) {
    if (child === null) continue;
    const text = child.startIndex < source.length ? source[child.startIndex] : undefined;
    if ((text === '(' || text === '[' || text === '{') && child.type === text) {
      open.push(child);
    } else if (text !== undefined && CLOSING[text] !== undefined && child.type === text) {
      const last = open[open.length - 1];
      if (last !== undefined && last.type === CLOSING[text]) open.pop();
    }
  }
  const last = open[open.length - 1];
  return last === undefined ? undefined : { bracket: last.type, at: positionOf(last) };
}
