// Keeps the embedded postmaster running: when it exits without being asked to (killed, crashed, out of
// memory), it is started again on the same port, so the URL the pools hold stays valid and they reconnect by
// themselves. Restarts back off from 200 ms to 5 s and go on until stop().
import type { ChildProcess } from 'node:child_process';
import type { DbLogger } from './embedded.js';

export interface PostmasterSupervisorOptions {
  /** Starts a postmaster; throws when it cannot (yet). */
  spawn(): Promise<ChildProcess>;
  /** Stops a postmaster in order. */
  stopChild(child: ChildProcess): Promise<void>;
  log?: DbLogger;
}

export class PostmasterSupervisor {
  private child: ChildProcess;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private restartDone: Promise<void> = Promise.resolve();
  /** How many times the postmaster was started again after an unexpected exit. */
  restarts = 0;

  constructor(first: ChildProcess, private readonly opts: PostmasterSupervisorOptions) {
    this.child = first;
    this.watch(first);
  }

  get current(): ChildProcess {
    return this.child;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    await this.restartDone;
    await this.opts.stopChild(this.child);
  }

  private watch(child: ChildProcess): void {
    child.once('exit', (code, signal) => {
      if (this.stopping || child !== this.child) return;
      this.opts.log?.warn(`embedded PostgreSQL exited unexpectedly (${signal ?? `exit ${code}`}); restarting it`);
      this.restartDone = this.restart();
    });
  }

  private async restart(): Promise<void> {
    let delay = 200;
    while (!this.stopping) {
      try {
        const child = await this.opts.spawn();
        if (this.stopping) {
          await this.opts.stopChild(child);
          return;
        }
        this.child = child;
        this.restarts++;
        this.watch(child);
        this.opts.log?.info(`embedded PostgreSQL restarted (pid ${child.pid})`);
        return;
      } catch (err) {
        this.opts.log?.warn(`embedded PostgreSQL could not be restarted yet (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); retrying in ${delay} ms`);
        await new Promise<void>((resolve) => {
          this.restartTimer = setTimeout(resolve, delay);
        });
        delay = Math.min(delay * 2, 5_000);
      }
    }
  }
}
