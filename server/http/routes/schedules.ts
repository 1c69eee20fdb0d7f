import type { FastifyInstance } from 'fastify';
import { listSchedules } from '../../adapters/db/schedules.js';
import type { ScheduleView } from '../../adapters/db/schedules.js';
import { statusName } from '../../adapters/db/status.js';
import { nextInstants } from '../../core/schedule/index.js';
import type { AppDeps } from '../deps.js';
import { repositoryOf } from '../repository.js';
import { errorReplies, id, nullableTimestamp, repoParams, timestamp } from '../schemas/common.js';
import { status } from '../schemas/resources.js';
import { typed } from '../type-provider.js';

// The schedules of the default branch's workflows: when each fires next, and what it last started.

const schedule = {
  type: 'object',
  properties: {
    id,
    workflow: {
      type: 'object',
      properties: { id, name: { type: 'string' }, path: { type: 'string' }, function: { type: 'string' } },
    },
    cron: { type: 'string' },
    timezone: { type: 'string', description: 'IANA time zone the cron is read in' },
    next: { type: 'array', items: timestamp, description: 'the next instants it fires at' },
    last_instant: { ...nullableTimestamp, description: 'the last instant it fired for' },
    last_run: {
      type: ['object', 'null'], description: 'the run that instant started, if any',
      properties: { id, run_number: { type: 'integer' }, status },
    },
    created_at: timestamp,
  },
} as const;

const listQuery = {
  type: 'object', additionalProperties: false,
  properties: { count: { type: 'integer', minimum: 1, maximum: 100, default: 5, description: 'how many next instants to list' } },
} as const;

export function registerScheduleRoutes(app: FastifyInstance, deps: AppDeps): void {
  typed(app).get('/api/repos/:owner/:repo/schedules', {
    config: { access: 'read' },
    schema: {
      summary: "List the schedules of the default branch's workflows", tags: ['workflows'], security: [{ bearerAuth: [] }],
      params: repoParams, querystring: listQuery,
      response: {
        200: { type: 'object', properties: { total_count: { type: 'integer' }, schedules: { type: 'array', items: schedule } } },
        ...errorReplies,
      },
    },
  }, async (request) => {
    const repo = await repositoryOf(deps, request.params);
    const rows = await listSchedules(deps.sql, repo.id);
    const now = deps.clock?.() ?? new Date();
    return { total_count: rows.length, schedules: rows.map((row) => presentSchedule(row, now, request.query.count)) };
  });
}

function presentSchedule(row: ScheduleView, now: Date, count: number) {
  return {
    id: row.id,
    workflow: { id: row.workflow_definition_id, name: row.workflow_name, path: row.workflow_path, function: row.function_name },
    cron: row.cron,
    timezone: row.timezone,
    next: nextInstants(row.cron, row.timezone, now, count),
    last_instant: row.last_instant,
    last_run: row.last_run === null ? null : { ...row.last_run, status: statusName(row.last_run.status) },
    created_at: row.created_at,
  };
}
