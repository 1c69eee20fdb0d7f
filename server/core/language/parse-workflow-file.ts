// Entry point: one workflow file's bytes → its workflows and diagnostics. Never throws.
import type { Parser } from 'web-tree-sitter';
import { decodeSource, utf8Length } from './decode-source.js';
import { DiagnosticList, FILE_START } from './diagnostics.js';
import { extractWorkflows } from './extract-workflows.js';
import type { ParsedFile, Workflow } from './model.js';
import { reportSyntaxErrors } from './syntax-errors.js';
import { reportFollowingItself } from './triggers.js';
import { defaultWorkflowName, WORKFLOWS_FOLDER } from './workflow-paths.js';

export const DEFAULT_MAX_BYTES = 256 * 1024;

export interface ParseOptions {
  /** Larger files get `file-too-large` and are not parsed. Default 256 KiB. */
  maxBytes?: number;
}

export function parseWorkflowFile(
  parser: Parser,
  path: string,
  content: Uint8Array | string,
  options: ParseOptions = {},
): ParsedFile {
  const diagnostics = new DiagnosticList();
  try {
    const workflows = readFile(parser, path, content, options.maxBytes ?? DEFAULT_MAX_BYTES, diagnostics);
    return { path, workflows, diagnostics: diagnostics.toArray() };
  } catch (error) {
    // A bug in this parser must not take the service down, nor let a broken file trigger anything.
    const detail = error instanceof Error ? error.message : String(error);
    diagnostics.error('internal-error', `plue-trigger failed to read this file (${detail}); please report this.`, FILE_START);
    return { path, workflows: [], diagnostics: diagnostics.toArray() };
  }
}

function readFile(parser: Parser, path: string, content: Uint8Array | string, maxBytes: number, diagnostics: DiagnosticList): Workflow[] {
  const size = typeof content === 'string' ? (content.length * 3 <= maxBytes ? content.length : utf8Length(content)) : content.byteLength;
  if (size > maxBytes) {
    diagnostics.error('file-too-large', `The file is ${size} bytes; workflow files may be at most ${maxBytes} bytes. Move code into a module outside ${WORKFLOWS_FOLDER}/.`, FILE_START);
    return [];
  }
  const decoded = decodeSource(content);
  if (!decoded.ok) {
    diagnostics.error('not-utf8', decoded.message, decoded.at);
    return [];
  }
  const source = decoded.text;
  const tree = parser.parse(source);
  if (tree === null) throw new Error('tree-sitter returned no tree');
  try {
    const root = tree.rootNode;
    const hasSyntaxErrors = root.hasError;
    if (hasSyntaxErrors) reportSyntaxErrors(root, source, diagnostics);
    const decorated = extractWorkflows(root, source, hasSyntaxErrors, diagnostics);
    if (decorated.length === 0 && !diagnostics.hasErrors) {
      diagnostics.warning('no-workflows', 'This file defines no workflow; decorate a function with `@workflow(on=...)`.', FILE_START);
    }
    const workflows = decorated.map((workflow) => ({ ...workflow, name: workflow.name ?? defaultWorkflowName(path, workflow.function, decorated.length) }));
    for (const workflow of workflows) reportFollowingItself(workflow, diagnostics);
    return workflows;
  } finally {
    tree.delete();
  }
}
