import type { FastifyInstance } from 'fastify';
import { readTaskLogRange } from '../../adapters/db/logs.js';
import { countFittingRunners } from '../../adapters/db/runners.js';
import { childRunsOf, jobsOfRun, searchRuns } from '../../adapters/db/run-views.js';
import type { RunFilter } from '../../adapters/db/run-views.js';
import { STATUS, statusName, statusNumber } from '../../adapters/db/status.js';
import { EVENT_NAMES } from '../../core/language/model.js';
import { cancelRun, rerunRun, runOrNotFound } from '../../services/api/run-actions.js';
import { raiseRunEvent } from '../../services/api/run-events.js';
import type { AppDeps } from '../deps.js';
import { presentLogLines, presentRun, presentRunDetail } from '../present.js';
import { pageUrlsOf } from '../page-urls.js';
import { repositoryOf } from '../repository.js';
import { anyJson, bodyOptional, emptyBody, errorReplies, idempotencyHeaders, pageProperties, repoParams, runParams, workflowSelector } from '../schemas/common.js';
import { run, runDetail, runList, runLogs } from '../schemas/resources.js';
import { typed } from '../type-provider.js';

// Runs: the list with its filters, one run in full, its logs, and cancel and re-run.

const security = [{ bearerAuth: [] }];
const tags = ['runs'];

const listQuery = {
  type: 'object', additionalProperties: false,
  properties: {
    ...pageProperties,
    workflow: { ...workflowSelector, description: 'only runs of this workflow (id, path, file name, name or function)' },
    event: { type: 'string', enum: [...EVENT_NAMES], description: 'only runs started by this event' },
    status: { type: 'string', enum: Object.keys(STATUS), description: 'only runs in this status' },
    branch: { type: 'string', minLength: 1, maxLength: 1024, description: 'only runs of this branch' },
    sha: { type: 'string', pattern: '^[0-9a-fA-F]{4,64}$', description: 'only runs of commits starting with this' },
    run_number: { type: 'integer', minimum: 1, maximum: 2 ** 53 - 1, description: 'only the run with this number (the `#N` people see)' },
  },
} as const;

const logsQuery = {
  type: 'object', additionalProperties: false,
  properties: {
    attempt: { type: 'integer', minimum: 1, maximum: 1000, description: "this attempt of each job (default: each job's latest)" },
    offset: { type: 'integer', minimum: 0, maximum: 2 ** 31 - 1, default: 0, description: 'first line number to return' },
    limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 10_000, description: 'lines per task, at most 10,000' },
  },
} as const;

const rerunReply = {
  type: 'object',
  description: 'the new run',
  properties: {
    run_id: { type: 'integer' }, run_number: { type: 'integer' }, run_attempt: { type: 'integer' },
    rerun_of: { type: 'integer' }, status: { type: 'string' },
  },
} as const;

/** Event names end up in wait keys (`approval#1`): no `#`. */
export const eventName = { type: 'string', minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_.:/-]+$' } as const;

const raiseBody = {
  type: 'object', required: ['name'], additionalProperties: false,
  properties: {
    name: { ...eventName, description: 'the name the workflow waits for (`ctx.wait_for(name)`)' },
    payload: { ...anyJson, description: 'any JSON: what `wait_for` returns (default null)' },
  },
} as const;

const raiseReply = {
  type: 'object',
  description: 'the event recorded',
  properties: {
    event_id: { type: 'integer' },
    name: { type: 'string' },
    delivered_to: {
      type: ['object', 'null'], description: 'the wait that received it at once; null: kept until the workflow waits for it',
      properties: { wait_key: { type: 'string' }, since: { type: 'string', format: 'date-time' }, until: { type: 'string', format: 'date-time' } },
    },
  },
} as const;

export function registerRunRoutes(app: FastifyInstance, deps: AppDeps): void {
  const { sql } = deps;
  const api = typed(app);

  api.get('/api/repos/:owner/:repo/runs', {
    config: { access: 'read' },
    schema: { summary: 'List runs, newest first', tags, security, params: repoParams, querystring: listQuery, response: { 200: runList, ...errorReplies } },
  }, async (request) => {
    const repo = await repositoryOf(deps, request.params);
    const q = request.query;
    const filter: RunFilter = {
      ...(q.workflow !== undefined ? { workflow: q.workflow } : {}),
      ...(q.event !== undefined ? { event: q.event } : {}),
      ...(q.status !== undefined ? { status: statusNumber(q.status) } : {}),
      ...(q.branch !== undefined ? { ref: q.branch.startsWith('refs/') ? q.branch : `refs/heads/${q.branch}` } : {}),
      ...(q.sha !== undefined ? { shaPrefix: q.sha.toLowerCase() } : {}),
      ...(q.run_number !== undefined ? { runNumber: q.run_number } : {}),
    };
    const { runs, total } = await searchRuns(sql, repo.id, filter, { limit: q.per_page, offset: (q.page - 1) * q.per_page });
    const urls = pageUrlsOf(deps, request, repo);
    return { total_count: total, runs: runs.map((r) => presentRun(r, urls)) };
  });

  api.get('/api/repos/:owner/:repo/runs/:id', {
    config: { access: 'read' },
    schema: { summary: 'Get a run with its jobs and their attempts', tags, security, params: runParams, response: { 200: runDetail, ...errorReplies } },
  }, async (request) => {
    const repo = await repositoryOf(deps, request.params);
    const found = await runOrNotFound(sql, repo.id, request.params.id);
    const [jobs, children] = await Promise.all([jobsOfRun(sql, found.id), childRunsOf(sql, found.id)]);
    // For each waiting job: whether a connected runner could take it, so a run nobody can pick up says so.
    const waiting = jobs.filter((j) => j.status === STATUS.waiting);
    const fitting = deps.runners ? await countFittingRunners(sql, waiting.map((j) => j.runs_on), deps.runners.settings.leaseSeconds) : [];
    const fittingRunners = new Map(waiting.map((j, i) => [j.id, fitting[i] ?? null]));
    return presentRunDetail(found, jobs, children, pageUrlsOf(deps, request, repo), fittingRunners);
  });

  api.get('/api/repos/:owner/:repo/runs/:id/logs', {
    config: { access: 'read' },
    schema: { summary: "Get a run's logs", tags, security, params: runParams, querystring: logsQuery, response: { 200: runLogs, ...errorReplies } },
  }, async (request) => {
    const repo = await repositoryOf(deps, request.params);
    const found = await runOrNotFound(sql, repo.id, request.params.id);
    const { attempt, offset, limit } = request.query;
    const jobs = await jobsOfRun(sql, found.id);
    const tasks = jobs.flatMap((job) => {
      const chosen = attempt === undefined ? job.tasks.at(-1) : job.tasks.filter((t) => t.attempt === attempt).at(-1);
      return chosen ? [{ job, task: chosen }] : [];
    });
    return {
      run_id: found.id,
      tasks: await Promise.all(tasks.map(async ({ job, task }) => {
        const lines = await readTaskLogRange(sql, task.id, offset, limit);
        const last = lines.at(-1);
        return {
          task_id: task.id, job_id: job.id, job_name: job.name, attempt: task.attempt, status: statusName(task.status),
          log_lines: task.log_lines, truncated: task.log_truncated,
          next_offset: last !== undefined && lines.length === limit && last.line_no + 1 < task.log_lines ? last.line_no + 1 : null,
          lines: presentLogLines(lines),
        };
      })),
    };
  });

  api.post('/api/repos/:owner/:repo/runs/:id/cancel', {
    config: { access: 'write' },
    preValidation: bodyOptional,
    schema: {
      summary: 'Cancel a run', description: 'Waiting tasks are cancelled at once; running ones are told through their runner\'s heartbeat within moments, and the run is cancelled when the runner stops them.',
      tags, security, params: runParams, body: emptyBody, response: { 202: run, ...errorReplies },
    },
  }, async (request, reply) => {
    const repo = await repositoryOf(deps, request.params);
    return reply.status(202).send(presentRun(await cancelRun(sql, repo.id, request.params.id, { token_id: request.apiToken!.id }), pageUrlsOf(deps, request, repo)));
  });

  api.post('/api/repos/:owner/:repo/runs/:id/events', {
    config: { access: 'write' },
    schema: {
      summary: 'Raise an event for a run',
      description: 'The workflow\'s `ctx.wait_for(name)` returns its payload: at once if it waits for it now, else when it gets there. '
        + 'A finished run, or one waiting for another name only, refuses it (409 `run_not_waiting`).',
      tags, security, params: runParams, headers: idempotencyHeaders, body: raiseBody, response: { 202: raiseReply, ...errorReplies },
    },
  }, async (request, reply) => {
    const repo = await repositoryOf(deps, request.params);
    const key = request.headers['idempotency-key'];
    const { reply: raised, replayed } = await raiseRunEvent(sql, repo.id, request.params.id, {
      name: request.body.name, payload: request.body.payload ?? null, ...(key !== undefined ? { idempotencyKey: key } : {}),
    }, { token_id: request.apiToken!.id });
    if (replayed) void reply.header('idempotent-replayed', 'true');
    return reply.status(202).send(raised);
  });

  api.post('/api/repos/:owner/:repo/runs/:id/rerun', {
    config: { access: 'write' },
    preValidation: bodyOptional,
    schema: {
      summary: 'Run a finished run again', description: "A new run with the original's commit, workflow source and event; `rerun_of` links them.",
      tags, security, params: runParams, body: emptyBody, response: { 201: rerunReply, ...errorReplies },
    },
  }, async (request, reply) => {
    const repo = await repositoryOf(deps, request.params);
    const made = await rerunRun(sql, repo.id, request.params.id, { token_id: request.apiToken!.id });
    return reply.status(201)
      .header('location', `/api/repos/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.name)}/runs/${made.run_id}`)
      .send(made);
  });
}
