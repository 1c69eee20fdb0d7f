import type { FastifyInstance } from 'fastify';
import { pageAudit } from '../../adapters/db/audit.js';
import type { AppDeps } from '../deps.js';
import { repositoryOf } from '../repository.js';
import { errorReplies, pageProperties, repoParams, timestamp } from '../schemas/common.js';
import { typed } from '../type-provider.js';

// The audit trail of a repository: what was decided, by whom, when (append-only; see migration 0006).

const security = [{ bearerAuth: [] }];
const tags = ['audit'];

const listQuery = {
  type: 'object', additionalProperties: false,
  properties: {
    ...pageProperties,
    kind: { type: 'string', minLength: 1, maxLength: 100, description: 'only rows of this kind (`event.dead_lettered`, `run.cancelled`, …)' },
  },
} as const;

const auditRow = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    kind: { type: 'string' },
    actor: { type: 'object', additionalProperties: true, description: 'who asked: `{token_id}`, `{runner_id, task_id, run_id}` or `{service}`' },
    subject: { type: 'object', additionalProperties: true, description: 'what it was about: `{event_id}`, `{run_id}`, `{token_id}`…' },
    detail: { type: 'object', additionalProperties: true },
    created_at: timestamp,
  },
} as const;

const auditList = {
  type: 'object', description: 'one page of the audit trail, newest first',
  properties: { total_count: { type: 'integer' }, audit: { type: 'array', items: auditRow } },
} as const;

export function registerAuditRoutes(app: FastifyInstance, deps: AppDeps): void {
  typed(app).get('/api/repos/:owner/:repo/audit', {
    config: { access: 'read' },
    schema: { summary: 'List the audit trail, newest first', tags, security, params: repoParams, querystring: listQuery, response: { 200: auditList, ...errorReplies } },
  }, async (request) => {
    const repo = await repositoryOf(deps, request.params);
    const q = request.query;
    const { rows, total } = await pageAudit(deps.sql, repo.id, q.kind === undefined ? {} : { kind: q.kind }, {
      limit: q.per_page, offset: (q.page - 1) * q.per_page,
    });
    return {
      total_count: total,
      audit: rows.map((r) => ({ id: r.id, kind: r.kind, actor: { ...r.actor }, subject: r.subject, detail: r.detail, created_at: r.created_at })),
    };
  });
}
