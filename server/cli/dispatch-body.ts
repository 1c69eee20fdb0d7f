import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from './usage.js';

// What `plue-trigger dispatch` sends for a `dispatch()` trigger: a payload (JSON, or @file) and context files,
// read from the files named one by one (--context-file NAME=PATH) or from the plain files directly in a folder
// (--context-dir DIR). Names are checked by the service; the CLI only reads files and refuses what is not text.

const utf8 = new TextDecoder('utf-8', { fatal: true });

export async function readPayload(cwd: string, value: string): Promise<unknown> {
  const text = value.startsWith('@') ? await readText(path.resolve(cwd, value.slice(1)), `--payload ${value}`) : value;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--payload must be JSON (or @FILE holding JSON): ${(error as Error).message}`);
  }
}

export async function readContextFiles(cwd: string, pairs: readonly string[], dirs: readonly string[]): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const add = (name: string, text: string, from: string) => {
    if (Object.hasOwn(files, name)) throw new UsageError(`context file ${name} is given twice (again by ${from})`);
    files[name] = text;
  };
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--context-file must be NAME=PATH, got "${pair}"`);
    const file = pair.slice(eq + 1);
    add(pair.slice(0, eq), await readText(path.resolve(cwd, file), file), `--context-file ${pair}`);
  }
  for (const dir of dirs) {
    const folder = path.resolve(cwd, dir);
    const entries = await readdir(folder, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot read --context-dir ${dir}: ${error.code ?? error.message}`);
    });
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const shown = path.join(dir, entry.name);
      // Context files are one flat folder: a subfolder or a link would be silently lost or followed, so it is an error.
      if (!entry.isFile()) {
        throw new UsageError(`${shown} is ${entry.isDirectory() ? 'a folder' : 'not a plain file'}; --context-dir takes only the plain files directly inside ${dir}`);
      }
      add(entry.name, await readText(path.join(folder, entry.name), shown), `--context-dir ${dir}`);
    }
  }
  return files;
}

async function readText(file: string, shown: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new UsageError(`cannot read ${shown}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return utf8.decode(bytes);
  } catch {
    throw new UsageError(`${shown} is not UTF-8 text; context files and payloads are text`);
  }
}
