import { decodeSource } from '../language/decode-source.js';

// The line of a workflow file a diagnostic points at, for showing under it with a caret at its column.

/** Line `line` (1-based) of the source, or null when the file is not text or has no such line. */
export function sourceLine(content: Uint8Array, line: number): string | null {
  const decoded = decodeSource(content);
  if (!decoded.ok) return null;
  const lines = decoded.text.split(/\r?\n/);
  return line >= 1 && line <= lines.length ? lines[line - 1]! : null;
}

/** Spaces up to a 1-based column, then `^`: tabs are kept, so the caret lines up however they are shown. */
export function caretLine(text: string, column: number): string {
  const before = text.slice(0, Math.max(0, column - 1)).replace(/[^\t]/g, ' ');
  return `${before}^`;
}
