import type { DefinitionRow } from '../adapters/db/definitions.js';
import { gitRepository } from '../adapters/git/index.js';
import { caretLine, sourceLine } from '../core/dashboard/source-lines.js';
import type { Diagnostic } from '../core/language/model.js';
import type { RepositoryRegistry } from '../services/ingest/registry.js';
import type { RepositoryRow } from '../adapters/db/repositories.js';
import { html } from './html.js';
import type { SafeHtml } from './html.js';

// A workflow file's diagnostics as `file:line:col code message` (the CLI's `check` format), each with the line it
// points at, read from the file's blob at the default branch.

const MAX_SOURCE_BYTES = 1024 * 1024;

/** Each file's diagnostics with their source lines; a repository gone from disk shows them without. */
export async function diagnosticsOfFiles(
  registry: RepositoryRegistry, repo: RepositoryRow, definitions: readonly DefinitionRow[],
): Promise<Array<{ path: string; items: Array<{ d: Diagnostic; line: string | null }> }>> {
  const files = new Map<string, DefinitionRow>();
  for (const d of definitions) if (d.diagnostics.length > 0 && (d.state as string) !== 'deleted' && !files.has(d.file_path)) files.set(d.file_path, d);
  const gitDir = registry.get(`${repo.owner}/${repo.name}`)?.gitDir;
  return Promise.all([...files.values()].map(async (d) => {
    const content = gitDir === undefined ? null : await gitRepository(gitDir).blob(d.file_sha, MAX_SOURCE_BYTES).catch(() => null);
    return { path: d.file_path, items: d.diagnostics.map((diag) => ({ d: diag, line: content === null ? null : sourceLine(content, diag.line) })) };
  }));
}

export function diagnosticsList(files: Awaited<ReturnType<typeof diagnosticsOfFiles>>): SafeHtml {
  return html`${files.map((file) => file.items.map(({ d, line }) => html`<div class="diagnostic">
    <div><span class="where mono">${file.path}:${d.line}:${d.column}</span> <span class="status status-${d.severity === 'error' ? 'error' : 'skipped'}">${d.severity}</span>
      <code>${d.code}</code> ${d.message}</div>
    ${line === null ? '' : html`<pre aria-label="${file.path} line ${d.line}">${String(d.line).padStart(4)} | ${line}\n     | ${caretLine(line, d.column)}</pre>`}
  </div>`))}`;
}
