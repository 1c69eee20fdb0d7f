// A pool of worker threads for work on repository content (parsing workflow files, matching events), with a
// time and a memory budget per task. A task over its time is stopped by terminating its thread; a task over its
// memory kills only its thread. Either way the caller gets an UntrustedWorkError and the service goes on.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { ParsedFile } from '../../core/language/model.js';
import type { MatchResult, TriggerEvent } from '../../core/match/event.js';
import type { MatchTask, ParseTask } from './worker.js';

export interface UntrustedWorkOptions {
  /** Threads; default 2. */
  threads?: number;
  /** Time one task may take, queueing included; default 20 s. */
  timeMs?: number;
  /** Heap one thread may use; default 256 MiB. */
  memoryMb?: number;
}

/** Work on repository content that ran out of its budget, or whose thread died. */
export class UntrustedWorkError extends Error {
  override readonly name = 'UntrustedWorkError';
}

// The worker runs compiled JavaScript: from dist/ as it is, and from the TypeScript sources (tests) through
// the build next to them.
function workerFile(): string {
  const here = fileURLToPath(import.meta.url);
  const js = here.replace(/pool\.[jt]s$/, 'worker.js');
  if (here.endsWith('.js')) return js;
  const root = path.resolve(path.dirname(here), '..', '..', '..');
  const built = path.join(root, 'dist', path.relative(root, js));
  if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\``);
  return built;
}

export class UntrustedWork {
  private readonly pool: Piscina;
  private readonly timeMs: number;

  constructor(options: UntrustedWorkOptions = {}) {
    this.timeMs = options.timeMs ?? 20_000;
    const threads = options.threads ?? 2;
    this.pool = new Piscina({
      filename: workerFile(),
      minThreads: 1,
      maxThreads: threads,
      idleTimeout: 60_000,
      resourceLimits: { maxOldGenerationSizeMb: options.memoryMb ?? 256 },
    });
  }

  parse(task: ParseTask): Promise<ParsedFile[]> {
    return this.run('parseFiles', task, `parsing ${task.files.length} workflow file(s)`);
  }

  match(event: TriggerEvent, files: ParsedFile[]): Promise<MatchResult> {
    const task: MatchTask = { event, files };
    return this.run('match', task, `matching the event against ${files.length} workflow file(s)`);
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }

  private async run<T>(name: string, task: unknown, what: string): Promise<T> {
    const signal = AbortSignal.timeout(this.timeMs);
    try {
      return (await this.pool.run(task, { name, signal })) as T;
    } catch (error) {
      if (signal.aborted) throw new UntrustedWorkError(`${what} took longer than its limit of ${this.timeMs / 1000} s and was stopped`);
      if ((error as { code?: string } | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        throw new UntrustedWorkError(`${what} ran out of its memory limit and was stopped`);
      }
      throw error;
    }
  }
}
