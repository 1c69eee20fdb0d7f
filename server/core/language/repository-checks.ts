// Checks across all workflow files of one repository.
import type { DiagnosticCode } from './diagnostic-codes.js';
import type { ParsedFile, Workflow } from './model.js';

/**
 * Reports `duplicate-name` on every workflow whose name an earlier one already uses (files ordered by path,
 * workflows by line). Returns new ParsedFile objects in the input order; the input is not changed.
 */
export function checkRepository(files: readonly ParsedFile[]): ParsedFile[] {
  const ordered = files
    .flatMap((file) => file.workflows.map((workflow) => ({ file, workflow })))
    .sort((a, b) => compareStrings(a.file.path, b.file.path) || a.workflow.line - b.workflow.line);
  const firstByName = new Map<string, { file: ParsedFile; workflow: Workflow }>();
  const added = new Map<ParsedFile, ParsedFile['diagnostics']>();
  for (const entry of ordered) {
    const first = firstByName.get(entry.workflow.name);
    if (first === undefined) {
      firstByName.set(entry.workflow.name, entry);
      continue;
    }
    const list = added.get(entry.file) ?? [];
    list.push({
      severity: 'error',
      code: 'duplicate-name' satisfies DiagnosticCode,
      message: `A workflow named \`${entry.workflow.name}\` is already defined at ${first.file.path}:${first.workflow.line}; give this one another \`name=\`.`,
      // At the `name=` value when there is one (a default name clashes at the `def`).
      line: entry.workflow.name_at?.line ?? entry.workflow.line,
      column: entry.workflow.name_at?.column ?? 1,
    });
    added.set(entry.file, list);
  }
  return files.map((file) => {
    const extra = added.get(file) ?? [];
    const diagnostics = [...file.diagnostics, ...extra].sort((a, b) => a.line - b.line || a.column - b.column);
    return { path: file.path, workflows: structuredClone(file.workflows), diagnostics };
  });
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
