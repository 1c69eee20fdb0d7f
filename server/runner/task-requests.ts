import { randomUUID } from 'node:crypto';
import type { Writable } from 'node:stream';
import { ApiError } from '../http-client/json-client.js';
import type { RunnerClient } from './client.js';
import { delay } from './lease-keeper.js';
import type { DispatchBody, HandedOff, HandoffBody, Task } from './protocol.js';

// What a workflow asks its runner to do for it with the task token, which the workflow never sees: `ctx.dispatch`
// and `ctx.handoff`. A request is a JSON line on fd 3 (`{"request": "dispatch" | "handoff", "id", "body",
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
    private readonly task: Pick<Task, 'id' | 'token'>,
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
