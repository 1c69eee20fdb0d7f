import type { FastifyInstance, FastifyRequest } from 'fastify';
import { deleteHook, listHooks, pageDeliveries } from '../../adapters/db/webhooks.js';
import type { DeliveryRow, HookOwner, HookRow } from '../../adapters/db/webhooks.js';
import type { Access } from '../../core/api/token-scope.js';
import { changeHook, createHook, hookOf, redeliver } from '../../services/api/webhooks.js';
import { AppError } from '../../services/errors/app-error.js';
import type { AppDeps } from '../deps.js';
import { repositoryOf } from '../repository.js';
import { bodyOptional, emptyBody, errorReplies, id, nullableTimestamp, pageProperties, repoParams, timestamp } from '../schemas/common.js';
import { typed } from '../type-provider.js';

// Webhooks (docs/api.md, "Webhooks"): a repository's hooks (write access to change them), and the same routes at
// the admin level (`/api/hooks…`, admin tokens) for hooks that hear every repository. The secret is never shown.

const security = [{ bearerAuth: [] }];
const tags = ['webhooks'];

const events = {
  type: 'array', minItems: 1, maxItems: 4, uniqueItems: true,
  items: { type: 'string', enum: ['run', 'job', 'status', '*'] },
  description: 'what the hook hears: `run`, `job`, `status`, or `*` for all',
} as const;
const hookFields = {
  url: { type: 'string', minLength: 1, maxLength: 2000, description: 'http or https; not a private address unless PLUE_WEBHOOK_ALLOW_PRIVATE=1' },
  events,
  secret: { type: 'string', minLength: 1, maxLength: 1000, description: 'the key of the X-Plue-Signature-256 HMAC; never shown back' },
  active: { type: 'boolean', description: 'an inactive hook gets no new deliveries, and its pending ones wait' },
} as const;
const createBody = { type: 'object', additionalProperties: false, required: ['url', 'events', 'secret'], properties: hookFields } as const;
const patchBody = { type: 'object', additionalProperties: false, properties: hookFields } as const;

const hook = {
  type: 'object',
  properties: {
    id: { type: 'integer' }, url: { type: 'string' }, events: { type: 'array', items: { type: 'string' } }, active: { type: 'boolean' },
    created_at: timestamp, updated_at: timestamp,
  },
} as const;
const delivery = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    delivery_id: { type: 'string', description: 'the X-Plue-Delivery header: the same on every attempt' },
    event: { type: 'string' }, action: { type: 'string' }, run_id: { type: ['integer', 'null'] },
    status: { type: 'string', enum: ['pending', 'delivered', 'failed'], description: '`failed`: a dead letter' },
    attempts: { type: 'integer' },
    last_status_code: { type: ['integer', 'null'], description: "the receiver's last answer" },
    last_error: { type: ['string', 'null'], description: 'why the last attempt failed' },
    next_attempt_at: { ...nullableTimestamp, description: 'a pending delivery: when it is tried (again)' },
    created_at: timestamp,
    finished_at: nullableTimestamp,
  },
} as const;
const deliveryList = {
  type: 'object', description: 'one page of deliveries, newest first',
  properties: { total_count: { type: 'integer' }, deliveries: { type: 'array', items: delivery } },
} as const;
const deliveriesQuery = {
  type: 'object', additionalProperties: false,
  properties: { ...pageProperties, status: { type: 'string', enum: ['pending', 'delivered', 'failed'], description: 'only deliveries in this status' } },
} as const;

export function presentHook(row: HookRow) {
  return { id: row.id, url: row.url, events: row.events, active: row.active, created_at: row.created_at, updated_at: row.updated_at };
}

export function presentDelivery(row: DeliveryRow) {
  return {
    id: row.id, delivery_id: row.delivery_uuid, event: row.event, action: row.action, run_id: row.run_id, status: row.status,
    attempts: row.attempts, last_status_code: row.last_status_code, last_error: row.last_error,
    next_attempt_at: row.status === 'pending' ? row.next_attempt_at : null, created_at: row.created_at, finished_at: row.finished_at,
  };
}

interface Level {
  /** `/api/repos/:owner/:repo/hooks` or `/api/hooks`. */
  prefix: string;
  params: { properties: Record<string, unknown> };
  read: Access;
  write: Access;
  owner(request: FastifyRequest): Promise<HookOwner>;
}

export function registerWebhookRoutes(app: FastifyInstance, deps: AppDeps): void {
  const repoLevel: Level = {
    prefix: '/api/repos/:owner/:repo/hooks', params: repoParams, read: 'write', write: 'write',
    owner: async (request) => ({ repositoryId: (await repositoryOf(deps, request.params as { owner: string; repo: string })).id }),
  };
  const adminLevel: Level = {
    prefix: '/api/hooks', params: { properties: {} }, read: 'admin', write: 'admin', owner: async () => ({ admin: true }),
  };
  for (const level of [repoLevel, adminLevel]) registerLevel(app, deps, level);
}

function registerLevel(app: FastifyInstance, deps: AppDeps, level: Level): void {
  const api = typed(app);
  const { sql } = deps;
  const allowPrivate = deps.webhooks?.allowPrivate ?? false;
  const what = level.prefix.startsWith('/api/hooks') ? ' (admin level: hooks of every repository)' : '';
  const paramsWith = (extra: Record<string, unknown>) => ({
    type: 'object', additionalProperties: false, required: [...Object.keys(level.params.properties), ...Object.keys(extra)],
    properties: { ...level.params.properties, ...extra },
  }) as const;
  const base = paramsWith({});
  const hookParams = paramsWith({ id });
  const deliveryParams = paramsWith({ id, delivery_id: id });
  const idOf = (request: FastifyRequest) => (request.params as { id: number }).id;

  api.post(level.prefix, {
    config: { access: level.write },
    schema: { summary: `Create a hook${what}`, tags, security, params: base, body: createBody, response: { 201: hook, ...errorReplies } },
  }, async (request, reply) => {
    const body = request.body as { url: string; events: string[]; secret: string; active?: boolean };
    const row = await createHook(sql, await level.owner(request), { ...body, active: body.active ?? true }, allowPrivate);
    return reply.status(201).send(presentHook(row));
  });

  api.get(level.prefix, {
    config: { access: level.read },
    schema: { summary: `List hooks${what}`, tags, security, params: base, response: { 200: { type: 'object', properties: { hooks: { type: 'array', items: hook } } }, ...errorReplies } },
  }, async (request) => ({ hooks: (await listHooks(sql, await level.owner(request))).map(presentHook) }));

  api.get(`${level.prefix}/:id`, {
    config: { access: level.read },
    schema: { summary: `Get a hook${what}`, tags, security, params: hookParams, response: { 200: hook, ...errorReplies } },
  }, async (request) => presentHook(await hookOf(sql, await level.owner(request), idOf(request))));

  api.patch(`${level.prefix}/:id`, {
    config: { access: level.write },
    schema: { summary: `Change a hook${what}`, tags, security, params: hookParams, body: patchBody, response: { 200: hook, ...errorReplies } },
  }, async (request) => presentHook(await changeHook(sql, await level.owner(request), idOf(request), request.body as object, allowPrivate)));

  api.delete(`${level.prefix}/:id`, {
    config: { access: level.write },
    schema: { summary: `Delete a hook and its deliveries${what}`, tags, security, params: hookParams, response: { 204: { type: 'null', description: 'deleted' }, ...errorReplies } },
  }, async (request, reply) => {
    if (!(await deleteHook(sql, await level.owner(request), idOf(request)))) throw new AppError('not_found', { what: `hook ${idOf(request)}` });
    return reply.status(204).send(null);
  });

  api.get(`${level.prefix}/:id/deliveries`, {
    config: { access: level.read },
    schema: { summary: `List a hook's deliveries, newest first${what}`, tags, security, params: hookParams, querystring: deliveriesQuery, response: { 200: deliveryList, ...errorReplies } },
  }, async (request) => {
    const row = await hookOf(sql, await level.owner(request), idOf(request));
    const q = request.query as { page: number; per_page: number; status?: string };
    const { rows, total } = await pageDeliveries(sql, row.id, q.status === undefined ? {} : { status: q.status }, { limit: q.per_page, offset: (q.page - 1) * q.per_page });
    return { total_count: total, deliveries: rows.map(presentDelivery) };
  });

  api.post(`${level.prefix}/:id/deliveries/:delivery_id/redeliver`, {
    config: { access: level.write },
    preValidation: bodyOptional,
    schema: {
      summary: `Redeliver a failed delivery${what}`,
      description: 'The delivery goes back to pending, its attempts from 0, with the same X-Plue-Delivery; 202. 409 `delivery_not_failed` otherwise.',
      tags, security, params: deliveryParams, body: emptyBody, response: { 202: delivery, ...errorReplies },
    },
  }, async (request, reply) => {
    const params = request.params as { id: number; delivery_id: number };
    const row = await redeliver(sql, await level.owner(request), params.id, params.delivery_id);
    return reply.status(202).send(presentDelivery(row));
  });
}
