import type { Readable } from 'node:stream';
import { ApiError, JsonClient } from '../http-client/json-client.js';
import type { DispatchBody, DispatchedRun, FinalStatus, StatusOutcome, HandedOff, HandoffBody, Heartbeat, RegisteredRunner, Task, WaitBody, WaitReply } from './protocol.js';

/** 409: this runner no longer holds the task; stop working on it and report nothing more. */
export class LeaseLostError extends ApiError {
  override name = 'LeaseLostError';
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Overrides the client's time limit for this call. */
  timeoutMs?: number;
}

type TaskRef = Pick<Task, 'id' | 'token'>;

/** The runner protocol (docs/runners.md) over the JSON client. Every call has a time limit (`HttpTimeoutError` past it). */
export class RunnerClient {
  private readonly http: JsonClient;

  constructor(server: string, private readonly runnerToken: string | null = null, options: { timeoutMs?: number } = {}) {
    this.http = new JsonClient(server, options);
  }

  get server(): string {
    return this.http.server;
  }

  get timeoutMs(): number {
    return this.http.timeoutMs;
  }

  static async register(
    server: string,
    registrationToken: string,
    runner: { name: string; labels: string[]; version?: string },
  ): Promise<RegisteredRunner> {
    return new JsonClient(server).post<RegisteredRunner>('/api/runners/register', runner, { token: registrationToken });
  }

  /** A task, or null when none arrived within `waitSeconds`. */
  async claim(waitSeconds: number, options: { labels?: string[]; signal?: AbortSignal } = {}): Promise<Task | null> {
    const body: Record<string, unknown> = { wait_seconds: waitSeconds };
    if (options.labels) body.labels = options.labels;
    return this.call<Task | null>('/api/runners/tasks/claim', this.runnerToken, body, {
      ...(options.signal ? { signal: options.signal } : {}), timeoutMs: waitSeconds * 1000 + this.timeoutMs,
    });
  }

  /** Up to `maxTasks` tasks at once (a runner that runs several at a time); empty when none arrived within `waitSeconds`. */
  async claimSeveral(waitSeconds: number, maxTasks: number, options: { labels?: string[]; signal?: AbortSignal } = {}): Promise<Task[]> {
    const body: Record<string, unknown> = { wait_seconds: waitSeconds, max_tasks: maxTasks };
    if (options.labels) body.labels = options.labels;
    const reply = await this.call<{ tasks: Task[] } | null>('/api/runners/tasks/claim', this.runnerToken, body, {
      ...(options.signal ? { signal: options.signal } : {}), timeoutMs: waitSeconds * 1000 + this.timeoutMs,
    });
    return reply?.tasks ?? [];
  }

  /**
   * Final statuses of several tasks in one request, each answered in its place (a lost lease is an `error` there,
   * not a thrown LeaseLostError); with `next`, also up to `next.maxTasks` next tasks (waiting up to
   * `next.waitSeconds` for one).
   */
  async finishSeveral(
    reports: ReadonlyArray<{ task: TaskRef; status: FinalStatus; started_at?: Date; stopped_at?: Date }>,
    next?: { waitSeconds: number; maxTasks: number; labels?: string[] },
    options: CallOptions = {},
  ): Promise<{ statuses: StatusOutcome[]; tasks: Task[] }> {
    const reply = await this.call<{ statuses: StatusOutcome[]; tasks?: Task[] }>('/api/runners/tasks/statuses', this.runnerToken, {
      statuses: reports.map((r) => ({
        id: r.task.id, token: r.task.token, status: r.status,
        ...(r.started_at ? { started_at: r.started_at.toISOString() } : {}),
        ...(r.stopped_at ? { stopped_at: r.stopped_at.toISOString() } : {}),
      })),
      ...(next ? { next: { wait_seconds: next.waitSeconds, max_tasks: next.maxTasks, ...(next.labels ? { labels: next.labels } : {}) } } : {}),
    }, { timeoutMs: (next?.waitSeconds ?? 0) * 1000 + this.timeoutMs, ...options });
    return { statuses: reply.statuses, tasks: reply.tasks ?? [] };
  }

  /**
   * Renews the lease. With `waitSeconds` the server holds the reply until the run is cancelled or that time has
   * passed (a long poll): give `timeoutMs` room for the wait.
   */
  async heartbeat(task: TaskRef, options: CallOptions & { waitSeconds?: number } = {}): Promise<Heartbeat> {
    const { waitSeconds, ...call } = options;
    return this.call<Heartbeat>(`/api/runners/tasks/${task.id}/heartbeat`, task.token, waitSeconds ? { wait_seconds: waitSeconds } : {}, call);
  }

  async running(task: TaskRef, startedAt: Date, options: CallOptions = {}): Promise<Heartbeat> {
    return this.call<Heartbeat>(`/api/runners/tasks/${task.id}/status`, task.token, { status: 'running', started_at: startedAt.toISOString() }, options);
  }

  async finish(
    task: TaskRef,
    status: FinalStatus,
    times: { started_at?: Date; stopped_at?: Date } = {},
    options: CallOptions = {},
  ): Promise<void> {
    await this.call(`/api/runners/tasks/${task.id}/status`, task.token, {
      status,
      ...(times.started_at ? { started_at: times.started_at.toISOString() } : {}),
      ...(times.stopped_at ? { stopped_at: times.stopped_at.toISOString() } : {}),
    }, options);
  }

  /**
   * Reports the final status and claims the runner's next task in the same request (waiting up to `waitSeconds`
   * for one); null when none came. Give `timeoutMs` room for the wait.
   */
  async finishAndClaim(
    task: TaskRef,
    status: FinalStatus,
    next: { waitSeconds: number; labels?: string[] },
    times: { started_at?: Date; stopped_at?: Date } = {},
    options: CallOptions = {},
  ): Promise<Task | null> {
    const reply = await this.call<{ next: Task | null }>(`/api/runners/tasks/${task.id}/status`, task.token, {
      status,
      ...(times.started_at ? { started_at: times.started_at.toISOString() } : {}),
      ...(times.stopped_at ? { stopped_at: times.stopped_at.toISOString() } : {}),
      next: { wait_seconds: next.waitSeconds, ...(next.labels ? { labels: next.labels } : {}) },
    }, { timeoutMs: next.waitSeconds * 1000 + this.timeoutMs, ...options });
    return reply.next;
  }

  /** Returns the next offset the server expects. */
  async logs(task: TaskRef, step: string, lines: string[], offset: number, options: CallOptions = {}): Promise<number> {
    const reply = await this.call<{ next_offset: number }>(`/api/runners/tasks/${task.id}/logs`, task.token, { step, lines, offset }, options);
    return reply.next_offset;
  }

  async release(task: TaskRef, options: CallOptions = {}): Promise<void> {
    await this.call(`/api/runners/tasks/${task.id}/release`, task.token, {}, options);
  }

  /** The repository at the task's commit, as a tar stream; it fails when the server goes silent for the time limit. */
  async archive(task: Pick<Task, 'id' | 'token' | 'archive_url'>, signal?: AbortSignal): Promise<Readable> {
    return leaseLostOn409(() => this.http.stream(task.archive_url, { token: task.token, ...(signal ? { signal } : {}) }));
  }

  /** The task's commit as a git pack, for a shallow checkout. */
  async pack(task: Pick<Task, 'id' | 'token' | 'pack_url'>, signal?: AbortSignal): Promise<Readable> {
    return leaseLostOn409(() => this.http.stream(task.pack_url, { token: task.token, ...(signal ? { signal } : {}) }));
  }

  /** The run's context files, when the claim offered them by URL. */
  async context(task: Pick<Task, 'token' | 'context_url'>, options: CallOptions = {}): Promise<Record<string, string>> {
    if (task.context_url === undefined) return {};
    return leaseLostOn409(() => this.http.get<Record<string, string>>(task.context_url!, { token: task.token, ...options }));
  }

  /** Starts another workflow of the task's repository; the same `idempotencyKey` on a retry starts nothing new. */
  async dispatch(task: TaskRef, body: DispatchBody, idempotencyKey: string, options: CallOptions = {}): Promise<DispatchedRun> {
    return leaseLostOn409(() => this.http.post<DispatchedRun>(`/api/runners/tasks/${task.id}/dispatches`, body, {
      token: task.token, headers: { 'idempotency-key': idempotencyKey }, ...options,
    }));
  }

  /**
   * Waits for an event raised for the task's run (`wait_key`: the n-th wait for this name). The server holds the
   * reply up to `wait_seconds`: give `timeoutMs` room for it.
   */
  async waitForEvent(task: TaskRef, body: WaitBody, options: CallOptions = {}): Promise<WaitReply> {
    return this.call<WaitReply>(`/api/runners/tasks/${task.id}/waits`, task.token, body, options);
  }

  /** Gives the task to an external system: from the reply on, the task token controls nothing. */
  async handoff(task: TaskRef, body: HandoffBody, options: CallOptions = {}): Promise<HandedOff> {
    return this.call<HandedOff>(`/api/runners/tasks/${task.id}/handoff`, task.token, body, options);
  }

  private call<T>(path: string, token: string | null, body: unknown, options: CallOptions = {}): Promise<T> {
    return leaseLostOn409(() => this.http.post<T>(path, body, { token, ...options }));
  }
}

async function leaseLostOn409<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof ApiError && error.status === 409) throw new LeaseLostError(error.status, error.code, error.message, error.details);
    throw error;
  }
}
