// Shared test helpers: the memoized parser and a compact view of diagnostics.
import { loadPythonParser } from '../../../server/adapters/tree-sitter.js';
import type { ParsedFile } from '../../../server/core/language/index.js';
import { parseWorkflowFile } from '../../../server/core/language/index.js';

export const parser = await loadPythonParser();

export const EXAMPLE_PATH = '.plue/workflows/example.py';

export function parse(source: string | Uint8Array, options: { maxBytes?: number; path?: string } = {}): ParsedFile {
  return parseWorkflowFile(parser, options.path ?? EXAMPLE_PATH, source, options);
}

/** `code line:column` for each diagnostic, in file order. */
export function codes(file: ParsedFile): string[] {
  return file.diagnostics.map((d) => `${d.code} ${d.line}:${d.column}`);
}

/** The `plue-trigger check` output lines of a file. */
export function checkOutput(file: ParsedFile): string[] {
  return file.diagnostics.map((d) => `${file.path}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}`);
}
