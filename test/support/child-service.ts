// The service as a separate process (`plue-trigger serve`), for tests that kill it with SIGKILL mid-way.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'plue-trigger.js');

export class ChildServices {
  private readonly children: ChildProcess[] = [];

  /** Starts `plue-trigger serve` with `env` added to this process's environment. */
  serve(env: Record<string, string>): ChildProcess {
    const child = spawn(process.execPath, [BIN, 'serve'], {
      env: { ...process.env, ...env, PLUE_LOG_LEVEL: process.env.PLUE_TEST_LOG ?? 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    this.children.push(child);
    return child;
  }

  killAll(): void {
    for (const child of this.children) child.kill('SIGKILL');
  }
}
