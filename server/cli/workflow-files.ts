import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { loadPythonParser } from '../adapters/tree-sitter.js';
import { checkRepository, parseWorkflowFile, WORKFLOWS_FOLDER } from '../core/language/index.js';
import type { ParsedFile } from '../core/language/model.js';
import { UsageError } from './usage.js';


async function pythonFilesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.py'))
    .map((e) => path.join(dir, e.name))
    .sort();
}

/** Files named on the command line; a folder means its workflows folder when it has one, else its `*.py`. */
export async function collectWorkflowPaths(args: string[], cwd: string): Promise<string[]> {
  const targets = args.length > 0 ? args : ['.'];
  const files: string[] = [];
  for (const target of targets) {
    const full = path.resolve(cwd, target);
    const info = await stat(full).catch(() => null);
    if (!info) throw new UsageError(`${target}: no such file or folder`);
    if (info.isFile()) {
      files.push(target);
      continue;
    }
    const workflowDir = path.join(full, WORKFLOWS_FOLDER);
    const hasWorkflowDir = (await stat(workflowDir).catch(() => null))?.isDirectory() ?? false;
    const found = await pythonFilesIn(hasWorkflowDir ? workflowDir : full);
    files.push(...found.map((f) => path.relative(cwd, f) || f));
  }
  return files;
}

export async function parseWorkflowPaths(
  files: string[],
  cwd: string,
  options: { maxBytes?: number } = {},
): Promise<ParsedFile[]> {
  const parser = await loadPythonParser();
  const parsed: ParsedFile[] = [];
  for (const file of files) {
    const content = await readFile(path.resolve(cwd, file));
    parsed.push(parseWorkflowFile(parser, file, content, options));
  }
  return checkRepository(parsed);
}
