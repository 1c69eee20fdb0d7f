import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The Python files ship as sources in `server/runner/python/` (the TypeScript build does not copy them), so they
// are found from the package root, whether this file runs from `server/` or from `dist/server/`.

const RELATIVE = path.join('server', 'runner', 'python');

/** The folder holding `plue/` and `plue_runner.py`. */
export function pythonModuleDir(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, RELATIVE);
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(candidate, 'plue_runner.py'))) return candidate;
    if (dir === path.dirname(dir)) throw new Error(`cannot find ${RELATIVE}/plue_runner.py above ${from}`);
  }
}
