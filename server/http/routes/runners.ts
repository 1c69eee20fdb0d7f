import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { insertRunner } from '../../adapters/db/runners.js';
import type { ClaimedTask } from '../../adapters/db/tasks.js';
import { AppError, invalid } from '../../services/errors/app-error.js';
import { openTaskArchive, openTaskPack } from '../../services/runners/archive.js';
import { MAX_TASKS_PER_CLAIM, claimLabels, claimSeveralForRunner } from '../../services/runners/claim.js';
import type { Claimed } from '../../services/runners/claim.js';
import { finishAndClaimNext, finishSeveralAndClaim } from '../../services/runners/finish-and-claim.js';
import { contextOffer } from '../../services/runners/context-offer.js';
import { MAX_WAIT_SECONDS, maxHeartbeatWaitSeconds } from '../../services/runners/runner-services.js';
import type { RunnerServices } from '../../services/runners/runner-services.js';
import { appendLogs, heartbeat, release, reportStatus } from '../../services/runners/task-actions.js';
import { hashToken, newRunnerToken } from '../../services/runners/tokens.js';
import { digitsOnlyId, refuseUnstorable } from '../api-scope.js';
import { bearerToken, tokensEqual } from '../auth.js';
import { runInputs } from '../present.js';
import { bodyOptional, emptyBody } from '../schemas/common.js';
import { typed } from '../type-provider.js';

// The runner protocol (docs/runners.md). Runner calls carry the runner token; task calls carry the task token
// handed out with the claim, and are refused with 409 once that attempt's lease is lost.

const label = { type: 'string', minLength: 1, maxLength: 100 } as const;
const labels = { type: 'array', items: label, maxItems: 50 } as const;
const timestamp = { type: 'string', format: 'date-time' } as const;
export const taskParams = {
  type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1, maximum: 2 ** 53 - 1 } },
} as const;
/** Names and labels are stored (jsonb, text): NUL and lone surrogates are refused, as PostgreSQL would. */
const storableBody = async (request: FastifyRequest) => refuseUnstorable('body', request.body);
/** Log lines may carry NULs (they are dropped); the step name is stored as is. */
const storableStep = async (request: FastifyRequest) => refuseUnstorable('body', { step: (request.body as { step?: unknown } | null)?.step });

const registerBody = {
  type: 'object', required: ['name'], additionalProperties: false,
  properties: { name: { type: 'string', minLength: 1, maxLength: 100 }, labels, version: { type: 'string', maxLength: 100 } },
} as const;
const waitSeconds = { type: 'number', minimum: 0, maximum: MAX_WAIT_SECONDS, default: 0 } as const;
/** A claim of one task (the reply is the task). */
const claimOneBody = { type: 'object', additionalProperties: false, properties: { wait_seconds: waitSeconds, labels } } as const;
/** With `max_tasks`, up to that many tasks at once (the reply is `{"tasks": [...]}`). */
const claimBody = {
  type: 'object', additionalProperties: false,
  properties: { wait_seconds: waitSeconds, labels, max_tasks: { type: 'integer', minimum: 1, maximum: MAX_TASKS_PER_CLAIM } },
} as const;
const statusBody = {
  type: 'object', required: ['status'], additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['running', 'success', 'failure', 'cancelled'] },
    started_at: timestamp,
    stopped_at: timestamp,
    /** With a final status: claim the runner's next task in the same request (a claim's body). */
    next: claimOneBody,
  },
} as const;
const statusesBody = {
  type: 'object', required: ['statuses'], additionalProperties: false,
  properties: {
    statuses: {
      type: 'array', minItems: 1, maxItems: MAX_TASKS_PER_CLAIM,
      items: {
        type: 'object', required: ['id', 'token', 'status'], additionalProperties: false,
        properties: {
          id: taskParams.properties.id,
          token: { type: 'string', minLength: 1, maxLength: 200 },
          status: { type: 'string', enum: ['success', 'failure', 'cancelled'] },
          started_at: timestamp,
          stopped_at: timestamp,
        },
      },
    },
    /** Claim the runner's next tasks in the same request (a claim's body; one task when `max_tasks` is absent). */
    next: claimBody,
  },
} as const;
const logsBody = {
  type: 'object', required: ['lines', 'offset'], additionalProperties: false,
  properties: {
    step: { type: 'string', maxLength: 200, default: '' },
    lines: { type: 'array', items: { type: 'string' }, maxItems: 1000 },
    offset: { type: 'integer', minimum: 0, maximum: 2 ** 31 - 1 },
  },
} as const;

export function registerRunnerRoutes(fastify: FastifyInstance, runners: RunnerServices): void {
  const { sql, settings } = runners;
  const app = typed(fastify);
  const heartbeatBody = {
    type: 'object', additionalProperties: false,
    properties: { wait_seconds: { type: 'number', minimum: 0, maximum: maxHeartbeatWaitSeconds(settings.leaseSeconds) } },
  } as const;

  // Held claims (204) and heartbeats answer at once when the server stops, instead of delaying the shutdown.
  app.addHook('preClose', async () => {
    await runners.wakeups.close();
    await runners.runSignals.close();
    await runners.runEvents.close();
  });

  app.post(
    '/api/runners/register', { schema: { body: registerBody }, preValidation: storableBody }, async (request, reply) => {
      const token = bearerToken(request);
      if (token === null || !tokensEqual(token, settings.registrationToken)) throw new AppError('unauthorized');
      const runnerToken = newRunnerToken();
      const row = await insertRunner(sql, {
        name: request.body.name,
        labels: [...new Set(request.body.labels ?? [])],
        version: request.body.version ?? null,
        tokenHash: hashToken(runnerToken),
      });
      return reply.status(201).send({ runner: { id: row.id, name: row.name, labels: row.labels }, token: runnerToken });
    });

  app.post(
    '/api/runners/tasks/claim', { schema: { body: claimBody }, preValidation: storableBody }, async (request, reply) => {
      const runner = await authenticateRunner(request);
      const labels = claimLabels(runner, request.body.labels);
      const { max_tasks: maxTasks } = request.body;
      const body = await whileConnected(reply, async (gone) => {
        const claimed = await claimSeveralForRunner(
          { claims: runners.claims, wakeups: runners.wakeups }, { id: runner.id, labels }, maxTasks ?? 1, request.body.wait_seconds * 1000, gone,
        );
        const tasks = await offerAll(claimed, gone, reply);
        if (tasks.length === 0) return null;
        return maxTasks === undefined ? tasks[0] : { tasks };
      });
      return body === null ? reply.status(204).send() : reply.send(body);
    });

  app.post(
    '/api/runners/tasks/:id/heartbeat', { schema: { params: taskParams, body: heartbeatBody }, preValidation: [digitsOnlyId, bodyOptional] }, async (request, reply) => {
      const waitMs = (request.body.wait_seconds ?? 0) * 1000;
      const lease = await whileConnected(reply, (gone) => heartbeat(
        sql, request.params.id, taskToken(request), settings.leaseSeconds, { signals: runners.runSignals, waitMs, abort: gone },
      ));
      return { lease_expires_at: lease.lease_expires_at, cancelled: lease.cancelled };
    });

  app.post(
    '/api/runners/tasks/:id/status', { schema: { params: taskParams, body: statusBody }, preValidation: [digitsOnlyId, storableBody] }, async (request, reply) => {
      const { status, started_at, stopped_at, next } = request.body;
      const report = {
        started_at: started_at === undefined ? null : storableTime('started_at', started_at),
        stopped_at: stopped_at === undefined ? null : storableTime('stopped_at', stopped_at),
      };
      if (next === undefined) {
        const { runnerId: _, ...reported } = await reportStatus(sql, runners.completions, request.params.id, taskToken(request), { status, ...report }, settings.leaseSeconds);
        return reported;
      }
      if (status === 'running') {
        throw new AppError('invalid_request', { problems: '`next` goes with a final status (success, failure or cancelled), not with running' });
      }
      return whileConnected(reply, async (gone) => {
        const done = await finishAndClaimNext(
          { sql, completions: runners.completions, claims: runners.claims, wakeups: runners.wakeups, auth: runners.auth, leaseSeconds: settings.leaseSeconds },
          request.params.id, taskToken(request), { status, ...report }, { labels: next.labels, waitMs: (next.wait_seconds ?? 0) * 1000, signal: gone },
        );
        return { ...done.reported, next: done.next && await offer(done.next, gone, reply) };
      });
    });

  app.post(
    '/api/runners/tasks/statuses', { schema: { body: statusesBody }, preValidation: storableBody }, async (request, reply) => {
      const runner = await authenticateRunner(request);
      const { statuses, next } = request.body;
      const reports = statuses.map(({ id, token, status, started_at, stopped_at }) => ({
        id, token,
        report: {
          status,
          started_at: started_at === undefined ? null : storableTime('started_at', started_at),
          stopped_at: stopped_at === undefined ? null : storableTime('stopped_at', stopped_at),
        },
      }));
      return whileConnected(reply, async (gone) => {
        const done = await finishSeveralAndClaim(
          { sql, completions: runners.completions, claims: runners.claims, wakeups: runners.wakeups, auth: runners.auth, leaseSeconds: settings.leaseSeconds },
          runner, reports,
          next && { labels: next.labels, waitMs: (next.wait_seconds ?? 0) * 1000, maxTasks: next.max_tasks ?? 1, signal: gone },
        );
        const outcomes = done.statuses.map((s) => ('error' in s ? { id: s.id, error: { code: s.error.code, message: s.error.message, details: s.error.details } } : s));
        return done.next === null ? { statuses: outcomes } : { statuses: outcomes, tasks: await offerAll(done.next, gone, reply) };
      });
    });

  app.post(
    '/api/runners/tasks/:id/logs', { schema: { params: taskParams, body: logsBody }, bodyLimit: 4 * 1024 * 1024, preValidation: [digitsOnlyId, storableStep] }, async (request) => {
      return appendLogs(sql, request.params.id, taskToken(request), request.body, runners.logLimits);
    });

  app.post(
    '/api/runners/tasks/:id/release', { schema: { params: taskParams, body: emptyBody }, preValidation: [digitsOnlyId, bodyOptional] }, async (request, reply) => {
      await release(sql, request.params.id, taskToken(request));
      return reply.status(204).send();
    });

  app.get(
    '/api/runners/tasks/:id/archive', { schema: { params: taskParams }, preValidation: digitsOnlyId }, async (request, reply) => {
      const stream = await openTaskArchive(sql, request.params.id, taskToken(request));
      return reply.type('application/x-tar').send(stream);
    });

  app.get(
    '/api/runners/tasks/:id/pack', { schema: { params: taskParams }, preValidation: digitsOnlyId }, async (request, reply) => {
      const stream = await openTaskPack(sql, request.params.id, taskToken(request));
      return reply.type('application/x-git-packed-objects').send(stream);
    });

  /**
   * A claimed task as the claim's reply shows it (the task, its token, its context files). A task claimed for a
   * client that has gone meanwhile is given back, and null returned.
   */
  async function offer(claimed: Claimed, gone: AbortSignal, reply: FastifyReply) {
    const body = { ...claimReply(claimed.task, claimed.token, settings.leaseSeconds), ...(await contextOffer(sql, claimed.task)) };
    if (!gone.aborted) return body;
    // Nobody will get this reply: give the task back rather than let it wait for its lease to run out.
    await release(sql, claimed.task.id, claimed.token).catch((err: unknown) => reply.log.warn({ err }, 'cannot give back an unsent task'));
    return null;
  }

  /** Each claimed task as the claim's reply shows it; those claimed for a client that has gone are given back. */
  async function offerAll(claimed: readonly Claimed[], gone: AbortSignal, reply: FastifyReply) {
    const offered = await Promise.all(claimed.map((c) => offer(c, gone, reply)));
    return offered.filter((o) => o !== null);
  }

  async function authenticateRunner(request: FastifyRequest) {
    const token = bearerToken(request);
    if (token === null) throw new AppError('unauthorized');
    const hash = hashToken(token);
    const runner = await runners.auth.byTokenHash(hash);
    if (!runner || !tokensEqual(runner.token_hash, hash)) throw new AppError('unauthorized');
    return runner;
  }
}

/** Runs a held request; `gone` fires when the client goes away before its reply is written. */
export async function whileConnected<T>(reply: FastifyReply, work: (gone: AbortSignal) => Promise<T>): Promise<T> {
  const gone = new AbortController();
  const onClose = () => { if (!reply.raw.writableEnded) gone.abort(); };
  reply.raw.on('close', onClose);
  try {
    return await work(gone.signal);
  } finally {
    reply.raw.off('close', onClose);
  }
}

/**
 * The date-time format lets through times no clock shows and PostgreSQL cannot store: a leap second (`23:59:60`)
 * and years outside 0001-9999 (in UTC). They are a bad request, not a server error.
 */
function storableTime(field: string, text: string): Date {
  const time = new Date(text);
  const year = time.getUTCFullYear();
  if (Number.isNaN(time.getTime()) || year < 1 || year > 9999) {
    throw invalid('invalid_request', [{
      part: 'body', field, code: 'format', message: `body/${field} must be a time between the years 0001 and 9999, without a leap second`,
    }]);
  }
  return time;
}

export function taskToken(request: FastifyRequest): string {
  const token = bearerToken(request);
  if (token === null) throw new AppError('unauthorized');
  return token;
}

export function claimReply(task: ClaimedTask, token: string, leaseSeconds: number) {
  const payload = task.event_payload ?? {};
  return {
    id: task.id,
    attempt: task.attempt,
    token,
    lease_expires_at: task.lease_expires_at,
    lease_seconds: leaseSeconds,
    repository: { id: task.repository_id, owner: task.repository_owner, name: task.repository_name },
    run: { id: task.run_id, number: task.run_number },
    job: { id: task.job_id, name: task.job_name },
    ref: task.ref,
    sha: task.commit_sha,
    workflow: { name: task.workflow_name, path: task.workflow_path, function: task.function_name, source: task.workflow_content },
    event: { name: task.trigger_event, payload },
    inputs: runInputs(task.trigger_event, payload),
    archive_url: `/api/runners/tasks/${task.id}/archive`,
    pack_url: `/api/runners/tasks/${task.id}/pack`,
  };
}
