import type { FastifyInstance } from 'fastify';
import { pageRunners } from '../../adapters/db/runners.js';
import type { AppDeps } from '../deps.js';
import { errorReplies, id, nullableTimestamp, pageProperties, timestamp } from '../schemas/common.js';
import { typed } from '../type-provider.js';

// The registered runners as people see them: who is online and what each runs. They serve every repository, so
// this is for admin tokens (read-only ones too).

const runner = {
  type: 'object',
  properties: {
    id,
    name: { type: 'string' },
    labels: { type: 'array', items: { type: 'string' } },
    version: { type: ['string', 'null'] },
    online: { type: 'boolean', description: 'seen within the lease (PLUE_RUNNER_LEASE_SECONDS, plus 30 s), or running a task whose lease runs' },
    last_seen_at: nullableTimestamp,
    created_at: timestamp,
    tasks: {
      type: 'array', description: 'the tasks it runs now',
      items: {
        type: 'object',
        properties: {
          id, job: { type: 'string' },
          run: { type: 'object', properties: { id, run_number: { type: 'integer' }, repository: { type: 'string', description: 'OWNER/NAME' } } },
        },
      },
    },
  },
} as const;

const runnerList = {
  type: 'object', description: 'one page of runners, newest first',
  properties: { total_count: { type: 'integer' }, runners: { type: 'array', items: runner } },
} as const;

export function registerRunnerListRoutes(app: FastifyInstance, deps: AppDeps, leaseSeconds: number): void {
  typed(app).get('/api/runners', {
    config: { access: 'read' },
    schema: {
      summary: 'List the registered runners (admin tokens)', tags: ['runners'], security: [{ bearerAuth: [] }],
      querystring: { type: 'object', additionalProperties: false, properties: { ...pageProperties } },
      response: { 200: runnerList, ...errorReplies },
    },
  }, async (request) => {
    const { page, per_page } = request.query;
    const { rows, total } = await pageRunners(deps.sql, leaseSeconds, { limit: per_page, offset: (page - 1) * per_page });
    return {
      total_count: total,
      runners: rows.map((r) => ({
        id: r.id, name: r.name, labels: r.labels, version: r.version, online: r.online, last_seen_at: r.last_seen_at, created_at: r.created_at,
        tasks: r.tasks.map((t) => ({ id: t.id, job: t.job_name, run: { id: t.run_id, run_number: t.run_number, repository: `${t.owner}/${t.repo}` } })),
      })),
    };
  });
}
