// Collecting diagnostics while a file is read. Problems in the user's file are data, never exceptions.
import type { DiagnosticCode } from './diagnostic-codes.js';
import type { Diagnostic, Severity } from './model.js';

/** A 1-based line and column (UTF-16 code units, as tree-sitter reports them for JS strings). */
export interface Position {
  line: number;
  column: number;
}

export const FILE_START: Position = { line: 1, column: 1 };

export class DiagnosticList {
  private readonly items: Diagnostic[] = [];
  private readonly seen = new Set<string>();

  error(code: DiagnosticCode, message: string, at: Position): void {
    this.add('error', code, message, at);
  }

  warning(code: DiagnosticCode, message: string, at: Position): void {
    this.add('warning', code, message, at);
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }

  /** Diagnostics in file order. The same problem reached twice (a constant used twice) is reported once. */
  toArray(): Diagnostic[] {
    return [...this.items].sort((a, b) => a.line - b.line || a.column - b.column);
  }

  private add(severity: Severity, code: DiagnosticCode, message: string, at: Position): void {
    const key = `${at.line}:${at.column}:${code}:${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.items.push({ severity, code, message, line: at.line, column: at.column });
  }
}

/** How a diagnostic reads on a terminal: `path:line:col: error code: message` (as compilers print them). */
export function diagnosticLine(path: string, d: { severity: string; code: string; message: string; line: number; column: number }): string {
  return `${path}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}`;
}
