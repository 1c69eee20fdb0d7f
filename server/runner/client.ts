import type { Readable } from 'node:stream';
import { httpRequest, readText } from './http.js';
import type { HttpResponse } from './http.js';
import type { ErrorBody, FinalStatus, Heartbeat, RegisteredRunner, Task } from './protocol.js';

/** The server answered with an error (`{"error": {code, message, details}}`). */
export class ProtocolError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details: unknown = null) {
    super(`${status} ${code}: ${message}`);
  }
}

/** 409: this runner no longer holds the task; stop working on it and report nothing more. */
export class LeaseLostError extends ProtocolError {}

const isErrorBody = (body: unknown): body is ErrorBody =>
  typeof body === 'object' && body !== null && typeof (body as ErrorBody).error?.code === 'string';

export interface CallOptions {
  signal?: AbortSignal;
  /** Overrides the client's time limit for this call. */
  timeoutMs?: number;
}

/** How long a call may take, unless told otherwise; a claim gets its wait on top. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** HTTP client for the runner protocol. Every call has a time limit (`HttpTimeoutError` past it). */
export class RunnerClient {
  readonly server: string;
  readonly timeoutMs: number;

  constructor(server: string, private readonly runnerToken: string | null = null, options: { timeoutMs?: number } = {}) {
    this.server = server.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  static async register(
    server: string,
    registrationToken: string,
    runner: { name: string; labels: string[]; version?: string },
  ): Promise<RegisteredRunner> {
    const client = new RunnerClient(server);
    return (await client.call('POST', '/api/runners/register', registrationToken, runner)) as RegisteredRunner;
  }

  /** A task, or null when none arrived within `waitSeconds`. */
  async claim(waitSeconds: number, options: { labels?: string[]; signal?: AbortSignal } = {}): Promise<Task | null> {
    const body: Record<string, unknown> = { wait_seconds: waitSeconds };
    if (options.labels) body.labels = options.labels;
    return (await this.call('POST', '/api/runners/tasks/claim', this.runnerToken, body, {
      signal: options.signal, timeoutMs: waitSeconds * 1000 + this.timeoutMs,
    })) as Task | null;
  }

  async heartbeat(task: Pick<Task, 'id' | 'token'>, options: CallOptions = {}): Promise<Heartbeat> {
    return (await this.call('POST', `/api/runners/tasks/${task.id}/heartbeat`, task.token, {}, options)) as Heartbeat;
  }

  async running(task: Pick<Task, 'id' | 'token'>, startedAt: Date, options: CallOptions = {}): Promise<Heartbeat> {
    return (await this.call('POST', `/api/runners/tasks/${task.id}/status`, task.token, {
      status: 'running', started_at: startedAt.toISOString(),
    }, options)) as Heartbeat;
  }

  async finish(
    task: Pick<Task, 'id' | 'token'>,
    status: FinalStatus,
    times: { started_at?: Date; stopped_at?: Date } = {},
    options: CallOptions = {},
  ): Promise<void> {
    await this.call('POST', `/api/runners/tasks/${task.id}/status`, task.token, {
      status,
      ...(times.started_at ? { started_at: times.started_at.toISOString() } : {}),
      ...(times.stopped_at ? { stopped_at: times.stopped_at.toISOString() } : {}),
    }, options);
  }

  /** Returns the next offset the server expects. */
  async logs(task: Pick<Task, 'id' | 'token'>, step: string, lines: string[], offset: number, options: CallOptions = {}): Promise<number> {
    const reply = (await this.call('POST', `/api/runners/tasks/${task.id}/logs`, task.token, { step, lines, offset }, options)) as { next_offset: number };
    return reply.next_offset;
  }

  async release(task: Pick<Task, 'id' | 'token'>, options: CallOptions = {}): Promise<void> {
    await this.call('POST', `/api/runners/tasks/${task.id}/release`, task.token, {}, options);
  }

  /** The repository at the task's commit, as a tar stream; it fails when the server goes silent for the time limit. */
  async archive(task: Pick<Task, 'id' | 'token' | 'archive_url'>, signal?: AbortSignal): Promise<Readable> {
    const response = await httpRequest(this.server + task.archive_url, {
      method: 'GET', headers: { authorization: `Bearer ${task.token}` }, signal, idleTimeoutMs: this.timeoutMs,
    });
    if (response.status !== 200) throw await errorOf(response);
    return response.body;
  }

  private async call(method: string, path: string, token: string | null, body: unknown, options: CallOptions = {}): Promise<unknown> {
    const response = await httpRequest(this.server + path, {
      method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
      signal: options.signal,
      timeoutMs: options.timeoutMs ?? this.timeoutMs,
    });
    if (response.status === 204) {
      response.body.resume();
      return null;
    }
    if (response.status < 200 || response.status > 299) throw await errorOf(response);
    return JSON.parse(await readText(response.body));
  }
}

async function errorOf(response: HttpResponse): Promise<ProtocolError> {
  const text = await readText(response.body).catch(() => '');
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: report the text
  }
  const error = isErrorBody(body) ? body.error : { code: 'http_error', message: text.slice(0, 300) || `HTTP ${response.status}`, details: null };
  const Kind = response.status === 409 ? LeaseLostError : ProtocolError;
  return new Kind(response.status, error.code, error.message, error.details);
}
