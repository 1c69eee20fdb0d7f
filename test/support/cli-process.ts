// plue-trigger as a user types it: the installed command (bin/plue-trigger.js, from the build) in its own process.
import { execFile } from 'node:child_process';
import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { BIN_PATH } from '../../server/package-root.js';

export interface ProcessResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `plue-trigger ARGV` to its end; never rejects for a non-zero exit. */
export function runBin(argv: string[], options: { cwd: string; env?: Record<string, string>; input?: string }): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [BIN_PATH, ...argv], {
      cwd: options.cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env }, maxBuffer: 16 * 1024 * 1024,
    }, (error, stdout, stderr) => {
      const code = (error as { code?: unknown } | null)?.code;
      if (error && typeof code !== 'number') reject(error);
      else resolve({ status: typeof code === 'number' ? code : 0, stdout, stderr });
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/** A folder holding a `plue-trigger` link to this checkout's command, as `npm link` makes one: put it on PATH. */
export async function linkedBinDir(root: string): Promise<string> {
  const dir = path.join(root, 'bin');
  await mkdir(dir, { recursive: true });
  await symlink(BIN_PATH, path.join(dir, 'plue-trigger'));
  return dir;
}
