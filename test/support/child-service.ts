// The service as a separate process (`plue-trigger serve`), for tests that kill it with SIGKILL mid-way.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
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

/** A port free right now, for a child service that must come back on the same address after a kill. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The service at `url` answers its health check. */
export const healthy = (url: string): Promise<boolean> => fetch(`${url}/healthz`).then((r) => r.ok, () => false);
