// Small helpers over web-tree-sitter nodes. Every node property is a call into wasm, so these read
// only what is asked for; `startIndex` and `startPosition` are cached on the node and free.
import type { Node } from 'web-tree-sitter';
import type { Position } from './diagnostics.js';

/** 1-based position of the node's first character. */
export function positionOf(node: Node): Position {
  return { line: node.startPosition.row + 1, column: node.startPosition.column + 1 };
}

/** The node's source text. Indices are UTF-16 code units, the same as JS string indices. */
export function textOf(node: Node, source: string): string {
  return source.slice(node.startIndex, node.endIndex);
}

/** A short, single-line excerpt of the node's text for messages. */
export function excerptOf(node: Node, source: string, limit = 40): string {
  let end = Math.min(source.length, node.startIndex + limit + 1);
  const newline = source.indexOf('\n', node.startIndex);
  if (newline >= 0 && newline < end) end = newline;
  const text = printable(source.slice(node.startIndex, Math.min(end, node.endIndex)).trimEnd());
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}

/** Control characters (a NUL byte, say) written as `\x00` so messages stay one readable line. */
function printable(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.charCodeAt(0);
    out += code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : char;
  }
  return out;
}

/**
 * Named children, leaving out comments (which tree-sitter may place anywhere). A comment is the only node
 * that starts with `#`, so checking the source saves a call into wasm per child.
 */
export function namedChildrenOf(node: Node, source: string): Node[] {
  const children: Node[] = [];
  for (const child of node.namedChildren) {
    if (child !== null && source.charCodeAt(child.startIndex) !== 0x23) children.push(child);
  }
  return children;
}

/** Named child for a field, by name. */
export function fieldOf(node: Node, field: string): Node | null {
  return node.childForFieldName(field);
}
