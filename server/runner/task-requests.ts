import { randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';
import { ApiError } from '../http-client/json-client.js';
import type { RunnerClient } from './client.js';
import { delay, maxHoldSeconds } from './lease-keeper.js';
import type { DispatchBody, HandedOff, HandoffBody, Task, WaitBody, WaitReply } from './protocol.js';

// What a workflow asks its runner to do for it with the task token, which the workflow never sees: `ctx.dispatch`,
// `ctx.handoff` and `ctx.wait_for`. A request is a JSON line on fd 3 (`{"request": "dispatch" | "handoff" | "wait", "id", "body",
// "idempotency_key"?}`), its answer a JSON line on fd 4 (`{"id", "ok": <reply>}` or `{"id", "error": {"status",
// "code", "message"}}`).

interface TaskRequest {
  request: string;
  id?: unknown;
  body?: unknown;
  idempotency_key?: unknown;
}

const ATTEMPTS = 4;

export class TaskRequests {
  constructor(
    private readonly client: RunnerClient,
    private readonly task: Pick<Task, 'id' | 'token' | 'lease_seconds'>,
    private readonly answers: Writable,
    private readonly gone: AbortSignal,
    /** Hands the task off (the execution stops keeping its lease); see `TaskExecution.handOff`. */
    private readonly handOff: (body: HandoffBody) => Promise<HandedOff>,
  ) {
    answers.on('error', () => undefined); // the workflow exited: nobody reads the answer
  }

  handle(request: TaskRequest): void {
    void this.answer(request).then((reply) => {
      if (!this.answers.destroyed) this.answers.write(`${JSON.stringify({ id: request.id ?? null, ...reply })}\n`);
    });
  }

  private async answer(request: TaskRequest): Promise<{ ok: unknown } | { error: { status: number; code: string; message: string } }> {
    if (request.request === 'handoff') return this.answerHandoff(request.body as HandoffBody);
    if (request.request === 'wait') return this.answerWait(request.body as WaitBody);
    if (request.request !== 'dispatch') return { error: { status: 0, code: 'unknown_request', message: `the runner does not do \`${request.request}\`` } };
    const body = request.body as DispatchBody | undefined;
    if (!body || typeof body !== 'object' || typeof body.workflow !== 'string') {
      return { error: { status: 0, code: 'invalid_request', message: 'dispatch needs a workflow name' } };
    }
    // One key for every attempt: a dispatch whose reply was lost is answered, not started again.
    const key = typeof request.idempotency_key === 'string' ? request.idempotency_key : randomUUID();
    for (let attempt = 1; ; attempt++) {
      try {
        return { ok: await this.client.dispatch(this.task, body, key, { signal: this.gone }) };
      } catch (error) {
        const retryable = !(error instanceof ApiError) || error.status >= 500 || error.code === 'idempotency_conflict';
        if (!retryable || attempt >= ATTEMPTS || this.gone.aborted) {
          const api = error instanceof ApiError ? error : null;
          return { error: { status: api?.status ?? 0, code: api?.code ?? 'unreachable', message: (error as Error).message } };
        }
        await delay(250 * 2 ** attempt, this.gone);
      }
    }
  }

  /**
   * Long polls until an event or the wait's deadline, while the lease keeper keeps the lease. Every poll asks with
   * the same wait key, so a poll whose reply was lost (or one sent to another replica) gets the same event.
   */
  private async answerWait(body: WaitBody): Promise<{ ok: WaitReply } | { error: { status: number; code: string; message: string } }> {
    if (!body || typeof body !== 'object' || typeof body.name !== 'string' || typeof body.wait_key !== 'string') {
      return { error: { status: 0, code: 'invalid_request', message: 'wait_for needs an event name' } };
    }
    const holdSeconds = maxHoldSeconds(this.task.lease_seconds);
    for (let failures = 0; ;) {
      try {
        const reply = await this.client.waitForEvent(this.task, { ...body, wait_seconds: holdSeconds }, {
          signal: this.gone, timeoutMs: holdSeconds * 1000 + this.client.timeoutMs,
        });
        failures = 0;
        if (reply.event !== null || reply.timed_out) return { ok: reply };
      } catch (error) {
        const api = error instanceof ApiError ? error : null;
        if ((api && api.status < 500) || this.gone.aborted) {
          return { error: { status: api?.status ?? 0, code: api?.code ?? 'unreachable', message: (error as Error).message } };
        }
        failures++;
        await delay(Math.min(5_000, 250 * 2 ** failures), this.gone);
      }
    }
  }

  /**
   * Not retried: the completion token exists only in the reply, so a handoff whose reply was lost cannot be asked
   * for again (the task then waits for its deadline). The URLs are made absolute for the outside.
   */
  private async answerHandoff(body: HandoffBody): Promise<{ ok: HandedOff } | { error: { status: number; code: string; message: string } }> {
    try {
      const reply = await this.handOff(body);
      const absolute = (url: string) => new URL(url, this.client.server).toString();
      return { ok: { ...reply, complete_url: absolute(reply.complete_url), fail_url: absolute(reply.fail_url) } };
    } catch (error) {
      const api = error instanceof ApiError ? error : null;
      return { error: { status: api?.status ?? 0, code: api?.code ?? 'unreachable', message: (error as Error).message } };
    }
  }
}
