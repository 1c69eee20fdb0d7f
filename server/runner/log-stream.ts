import type { RunnerClient } from './client.js';
import { LeaseLostError } from './client.js';
import type { Task } from './protocol.js';
import { setTimeout as sleep } from 'node:timers/promises';

// Sends a task's log lines in order, in batches, one request at a time. Offsets make retries safe: a batch sent
// twice (the reply was lost) is stored once.

const FLUSH_MS = 200;
const MAX_BATCH_LINES = 500;
const MAX_BATCH_BYTES = 512 * 1024;
const MAX_LINE_CHARS = 16 * 1024;

export class LogStream {
  private readonly queue: Array<{ step: string; line: string }> = [];
  private offset = 0;
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<void> | null = null;
  private readonly abandoned = new AbortController();
  /** The lease is gone: nothing more is sent. */
  lost = false;

  constructor(
    private readonly client: RunnerClient,
    private readonly task: Pick<Task, 'id' | 'token'>,
    private readonly onLost: () => void = () => {},
  ) {}

  /** The lease is gone (the server said so, or the runner's own deadline passed): drop the lines, stop sending. */
  abandon(): void {
    this.lost = true;
    this.queue.length = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.abandoned.abort();
  }

  add(step: string, line: string): void {
    if (this.lost) return;
    this.queue.push({ step, line: line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)} [cut]` : line });
    if (this.queue.length >= MAX_BATCH_LINES) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  /** Sends everything queued so far; transient failures are retried `attempts` times. */
  async flush(attempts = 3): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.sending) await this.sending;
    this.sending = this.sendAll(attempts);
    try {
      await this.sending;
    } finally {
      this.sending = null;
    }
  }

  private async sendAll(attempts: number): Promise<void> {
    let failures = 0;
    while (this.queue.length > 0 && !this.lost) {
      const batch = this.nextBatch();
      try {
        this.offset = await this.client.logs(this.task, batch.step, batch.lines, this.offset, { signal: this.abandoned.signal });
        this.queue.splice(0, batch.lines.length);
        failures = 0;
      } catch (error) {
        if (error instanceof LeaseLostError) {
          this.abandon();
          this.onLost();
          return;
        }
        if (this.lost || ++failures >= attempts) return; // keep the lines; the next flush tries again
        await sleep(200 * failures);
      }
    }
  }

  private nextBatch(): { step: string; lines: string[] } {
    const step = this.queue[0]!.step;
    const lines: string[] = [];
    let bytes = 0;
    for (const entry of this.queue) {
      if (entry.step !== step || lines.length >= MAX_BATCH_LINES || bytes + entry.line.length * 3 > MAX_BATCH_BYTES) break;
      lines.push(entry.line);
      bytes += entry.line.length * 3;
    }
    return { step, lines };
  }
}
