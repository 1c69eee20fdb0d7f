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

const isDirectory = async (dir: string) => (await stat(dir).catch(() => null))?.isDirectory() ?? false;

/**
 * The folder whose workflows a command without PATH reads: the current one, or the nearest above it with a
 * workflows folder, not past the repository's top (the folder holding `.git`). Null when there is none.
 */
export async function workflowsHome(cwd: string): Promise<string | null> {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (await isDirectory(path.join(dir, WORKFLOWS_FOLDER))) return dir;
    if ((await stat(path.join(dir, '.git')).catch(() => null)) !== null || path.dirname(dir) === dir) return null;
  }
}

/** Why a command without PATH has nothing to read. */
export const noWorkflowsMessage = (cwd: string) =>
  `no ${WORKFLOWS_FOLDER} folder in ${cwd} (or above it, up to the repository's top): workflows are ${WORKFLOWS_FOLDER}/*.py `
  + 'at the top of a repository; run this there, or name the files or folders to read';

/**
 * Files named on the command line; a folder means its workflows folder when it has one, else its `*.py`. Without
 * any, the workflows folder of the current folder or the nearest one above it (null when there is none).
 */
export async function collectWorkflowPaths(args: string[], cwd: string): Promise<string[] | null> {
  let targets = args;
  if (args.length === 0) {
    const home = await workflowsHome(cwd);
    if (home === null) return null;
    targets = [path.relative(cwd, home) || '.'];
  }
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
    const hasWorkflowDir = await isDirectory(workflowDir);
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
