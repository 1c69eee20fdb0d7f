import type { FastifyInstance } from 'fastify';
import { findEventOf, pageEvents } from '../../adapters/db/events.js';
import type { EventOutcomeRow } from '../../adapters/db/events.js';
import { rawJsonMember } from '../../core/api/json-member.js';
import { retryEventByHand } from '../../services/api/event-retry.js';
import { HOST_EVENT_KINDS, checkHostEvent, recordHostEvent, waitForEvent } from '../../services/api/host-events.js';
import { AppError, invalid } from '../../services/errors/app-error.js';
import type { AppDeps } from '../deps.js';
import { pageUrlsOf } from '../page-urls.js';
import type { PageUrls } from '../page-urls.js';
import { gitDirOf, repositoryOf } from '../repository.js';
import { emptyBody, bodyOptional, errorReplies, id, idempotencyHeaders, nullableTimestamp, pageProperties, repoParams, timestamp } from '../schemas/common.js';
import { typed } from '../type-provider.js';

// The host's door for events that are not pushes (pull requests, issues, chat messages and dispatches), and the
// event record: every event of a repository, the failed ones (dead letters) retried by an admin.

const security = [{ bearerAuth: [] }];
const tags = ['events'];
const WAIT_MS = 10_000;

const refName = { type: 'string', minLength: 1, maxLength: 1024 } as const;
const sha = { type: 'string', minLength: 1, maxLength: 64 } as const;

const eventBody = {
  type: 'object', required: ['event'], additionalProperties: false,
  properties: {
    event: { type: 'string', enum: [...HOST_EVENT_KINDS] },
    action: { type: 'string', minLength: 1, maxLength: 100, description: 'pull_request and issue: the activity (`opened`, …); required for them' },
    base_ref: { ...refName, description: 'pull_request: the branch it merges into' },
    head_ref: { ...refName, description: 'pull_request: the branch it merges from' },
    base_sha: { ...sha, description: "pull_request: the base branch's commit" },
    head_sha: { ...sha, description: "pull_request: the head commit, whose workflows run" },
    ref: { ...refName, description: 'dispatch: the branch or tag whose workflows run (default: the default branch)' },
    workflow: { type: 'string', minLength: 1, maxLength: 500, description: 'dispatch: only this workflow (name, function or path)' },
    payload: { type: 'object', description: 'anything else about the event; the runs get it as their payload' },
    delivery_id: { type: 'string', minLength: 1, maxLength: 255, description: "the host's id for this delivery: a redelivery records nothing new" },
  },
} as const;

const eventQuery = { type: 'object', additionalProperties: false, properties: { wait: { type: 'boolean', default: false } } } as const;
const eventParams = { type: 'object', required: ['owner', 'repo', 'id'], additionalProperties: false, properties: { ...repoParams.properties, id } } as const;

const eventReply = {
  type: 'object',
  description: 'the event and, once triggered, the runs it started',
  properties: {
    event_id: { type: 'integer' },
    event: { type: 'string' },
    duplicate: { type: 'boolean', description: 'this delivery id was recorded before; this is that event' },
    reopened: { type: 'boolean', description: 'this delivery id was recorded before and that event had failed: it is tried again' },
    status: { type: 'string', enum: ['pending', 'processed', 'failed'] },
    runs: {
      type: 'array',
      items: {
        type: 'object',
        properties: { run_id: { type: 'integer' }, run_number: { type: 'integer' }, workflow: { type: 'object', properties: { name: { type: 'string' }, path: { type: 'string' } } } },
      },
    },
    skipped: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, path: { type: 'string' }, reason: { type: 'string' } } } },
    resumed: {
      type: 'array', description: 'only for a reply in a thread that went to runs: the runs it went to, and the wait that took it (null: kept for a later wait_for)',
      items: {
        type: 'object',
        properties: {
          run_id: { type: 'integer' }, run_number: { type: 'integer' }, workflow: { type: 'object', properties: { name: { type: 'string' }, path: { type: 'string' } } },
          run_event_id: { type: 'integer' }, delivered_to: { type: ['string', 'null'] },
        },
      },
    },
    diagnostics: {
      type: 'array', description: 'only when workflow files it read have errors: each error, with its file (at most 100)',
      items: {
        type: 'object',
        properties: {
          path: { type: 'string' }, line: { type: 'integer' }, column: { type: 'integer' }, severity: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' },
        },
      },
    },
    error: { type: ['string', 'null'], description: 'why the event could not be triggered (status failed)' },
  },
} as const;

const EVENT_STATUSES = ['pending', 'processed', 'failed'] as const;
const listQuery = {
  type: 'object', additionalProperties: false,
  properties: { ...pageProperties, status: { type: 'string', enum: [...EVENT_STATUSES], description: 'only events in this status (`failed`: the dead letters)' } },
} as const;

/** An event as the record keeps it: what it started, and how triggering it went. */
const eventRecord = {
  type: 'object',
  description: 'an event, what it started, and how triggering it went',
  properties: {
    ...eventReply.properties,
    html_url: { type: 'string', description: "the event's page on the dashboard" },
    source: { type: 'string', description: 'which door recorded it: watcher, hook, api, scheduler, …' },
    attempts: { type: 'integer', description: 'attempts at triggering it so far' },
    next_attempt_at: { ...nullableTimestamp, description: 'a pending event waiting for its retry: when it is tried again' },
    received_at: timestamp,
    processed_at: { ...nullableTimestamp, description: 'when it was processed or failed' },
  },
} as const;
const eventList = {
  type: 'object', description: 'one page of events, newest first',
  properties: { total_count: { type: 'integer' }, events: { type: 'array', items: eventRecord } },
} as const;

type WrittenRun = { run_id: number; run_number: number; path: string; name: string };
type Skipped = { name: string; path: string; reason: string };
/** An error in a workflow file the event read (core/trigger/event-diagnostics.ts). */
type FileError = { path: string; line: number; column: number; severity: string; code: string; message: string };
type Resumed = WrittenRun & { run_event_id: number; delivered_to: string | null };

function presentEvent(row: EventOutcomeRow, delivery?: { duplicate: boolean; reopened: boolean }) {
  const result = row.result ?? {};
  const runs = Array.isArray(result.runs) ? (result.runs as WrittenRun[]) : [];
  return {
    event_id: row.id, event: row.kind, ...(delivery === undefined ? {} : { duplicate: delivery.duplicate, ...(delivery.reopened ? { reopened: true } : {}) }),
    status: row.status,
    runs: runs.map((r) => ({ run_id: r.run_id, run_number: r.run_number, workflow: { name: r.name, path: r.path } })),
    skipped: Array.isArray(result.skipped) ? (result.skipped as Skipped[]) : [],
    ...(Array.isArray(result.resumed) ? {
      resumed: (result.resumed as Resumed[]).map((r) => ({
        run_id: r.run_id, run_number: r.run_number, workflow: { name: r.name, path: r.path }, run_event_id: r.run_event_id, delivered_to: r.delivered_to,
      })),
    } : {}),
    ...(Array.isArray(result.diagnostics) && result.diagnostics.length > 0 ? { diagnostics: result.diagnostics as FileError[] } : {}),
    error: row.status === 'failed' ? row.last_error : null,
  };
}

export function presentEventRecord(row: EventOutcomeRow, urls: PageUrls) {
  const { error, ...event } = presentEvent(row);
  return {
    ...event, html_url: urls.event(row.id), error: row.last_error, source: row.source, attempts: row.attempts,
    next_attempt_at: row.status === 'pending' ? row.next_attempt_at : null, received_at: row.received_at, processed_at: row.processed_at,
  };
}

// The body's text, kept beside the parsed body: numbers in a payload are stored as they were written.
const rawBodies = new WeakMap<object, string>();

export function registerEventRoutes(app: FastifyInstance, deps: AppDeps): void {
  void app.register(async (scope) => {
    const parseJson = scope.getDefaultJsonParser('error', 'error');
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      rawBodies.set(request, body as string);
      parseJson(request, body as string, done);
    });
    registerEventRoutesIn(scope, deps);
  });
}

function registerEventRoutesIn(app: FastifyInstance, deps: AppDeps): void {
  const { sql } = deps;
  const api = typed(app);

  api.post(
    '/api/repos/:owner/:repo/events', {
      config: { access: 'write' },
      schema: {
        summary: 'Hand in a pull request, issue, chat or dispatch event',
        description: 'Recorded like a push, then matched and triggered. 202 at once; with `wait=true`, 200 with the runs once triggered (at most 10 s).',
        tags, security, params: repoParams, headers: idempotencyHeaders, body: eventBody,
        querystring: eventQuery,
        response: { 200: eventReply, 202: eventReply, ...errorReplies },
      },
    }, async (request, reply) => {
      const repo = await repositoryOf(deps, request.params);
      const gitDir = gitDirOf(deps.registry, repo);
      const { delivery_id: bodyDelivery, ...event } = request.body;
      const headerKey = request.headers['idempotency-key'];
      if (bodyDelivery !== undefined && headerKey !== undefined && bodyDelivery !== headerKey) {
        throw invalid('invalid_event', [
          { part: 'body', field: 'delivery_id', code: 'differs', message: 'delivery_id and the Idempotency-Key header differ; send one, or the same' },
        ]);
      }
      const fields = await checkHostEvent(repo, gitDir, event);
      // The payload as it was written, so that its numbers are stored exactly.
      const rawBody = rawBodies.get(request);
      const text = (rawBody === undefined ? undefined : rawJsonMember(rawBody, 'payload')) ?? JSON.stringify(event.payload ?? {});
      const recorded = await recordHostEvent(sql, repo.id, event.event, { text, fields }, bodyDelivery ?? headerKey);
      if (!recorded.duplicate) deps.onEventRecorded?.(repo.id);
      if (!request.query.wait && !recorded.duplicate) {
        return reply.status(202).send({
          event_id: recorded.event_id, event: event.event, duplicate: false, ...(recorded.reopened ? { reopened: true } : {}),
          status: 'pending', runs: [], skipped: [], error: null,
        });
      }
      const row = request.query.wait
        ? await waitForEvent(sql, repo.id, recorded.event_id, WAIT_MS)
        : await findEventOf(sql, repo.id, recorded.event_id);
      if (!row) throw new AppError('not_found', { what: `event ${recorded.event_id}` });
      return reply.status(request.query.wait && row.status !== 'pending' ? 200 : 202).send(presentEvent(row, recorded));
    });

  api.get('/api/repos/:owner/:repo/events', {
    config: { access: 'read' },
    schema: {
      summary: 'List events, newest first', tags, security, params: repoParams, querystring: listQuery,
      response: { 200: eventList, ...errorReplies },
    },
  }, async (request) => {
    const repo = await repositoryOf(deps, request.params);
    const q = request.query;
    const { rows, total } = await pageEvents(sql, repo.id, q.status === undefined ? {} : { status: q.status }, {
      limit: q.per_page, offset: (q.page - 1) * q.per_page,
    });
    const urls = pageUrlsOf(deps, request, repo);
    return { total_count: total, events: rows.map((row) => presentEventRecord(row, urls)) };
  });

  api.get('/api/repos/:owner/:repo/events/:id', {
    config: { access: 'read' },
    schema: {
      summary: 'Get an event and what it started', tags, security,
      params: eventParams,
      response: { 200: eventRecord, ...errorReplies },
    },
  }, async (request) => {
    const repo = await repositoryOf(deps, request.params);
    const row = await findEventOf(sql, repo.id, request.params.id);
    if (!row) throw new AppError('not_found', { what: `event ${request.params.id}` });
    return presentEventRecord(row, pageUrlsOf(deps, request, repo));
  });

  api.post('/api/repos/:owner/:repo/events/:id/retry', {
    config: { access: 'admin' },
    preValidation: bodyOptional,
    schema: {
      summary: 'Retry a failed event (a dead letter); admin tokens only',
      description: 'The event goes back to pending, its attempts reset, and is triggered again; 202 with the event. 409 `event_not_failed` for an event that is not failed.',
      tags, security, params: eventParams, body: emptyBody,
      response: { 202: eventRecord, ...errorReplies },
    },
  }, async (request, reply) => {
    const repo = await repositoryOf(deps, request.params);
    const row = await retryEventByHand(sql, repo.id, request.params.id, request.apiToken!.id);
    deps.onEventRecorded?.(repo.id);
    return reply.status(202).send(presentEventRecord(row, pageUrlsOf(deps, request, repo)));
  });
}
