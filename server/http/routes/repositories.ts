import type { FastifyInstance } from 'fastify';
import { listDefinitions } from '../../adapters/db/definitions.js';
import { findRepository } from '../../adapters/db/repositories.js';
import { listRuns } from '../../adapters/db/runs.js';
import { statusName } from '../../adapters/db/status.js';
import type { AppDeps } from '../app.js';
import { notFound } from '../errors.js';

const repoParams = {
  type: 'object',
  required: ['owner', 'repo'],
  properties: {
    owner: { type: 'string', minLength: 1, maxLength: 200 },
    repo: { type: 'string', minLength: 1, maxLength: 200 },
  },
} as const;

const pageQuery = {
  type: 'object',
  properties: {
    page: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 1 },
    per_page: { type: 'integer', minimum: 1, maximum: 100, default: 30 },
  },
  additionalProperties: false,
} as const;

interface RepoParams { owner: string; repo: string }

export function registerRepositoryRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'sql'>): void {
  const repositoryOf = async (params: RepoParams) => {
    const repo = await findRepository(deps.sql, params.owner, params.repo);
    if (!repo) throw notFound(`repository ${params.owner}/${params.repo}`);
    return repo;
  };

  app.get<{ Params: RepoParams }>('/api/repos/:owner/:repo/workflows', { schema: { params: repoParams } }, async (request) => {
    const repo = await repositoryOf(request.params);
    const rows = await listDefinitions(deps.sql, repo.id);
    return {
      total_count: rows.length,
      workflows: rows.map((d) => ({
        id: d.id, name: d.name, path: d.file_path, function: d.function_name || null, state: d.state,
        events: d.events, triggers: d.triggers, agent: d.is_agent_workflow, runs_on: d.runs_on,
        diagnostics: d.diagnostics, file_sha: d.file_sha, created_at: d.created_at, updated_at: d.updated_at,
      })),
    };
  });

  app.get<{ Params: RepoParams; Querystring: { page: number; per_page: number } }>(
    '/api/repos/:owner/:repo/runs',
    { schema: { params: repoParams, querystring: pageQuery } },
    async (request) => {
      const repo = await repositoryOf(request.params);
      const { page, per_page } = request.query;
      const { runs, total } = await listRuns(deps.sql, repo.id, { limit: per_page, offset: (page - 1) * per_page });
      return {
        total_count: total,
        runs: runs.map((r) => ({
          id: r.id, run_number: r.run_number,
          workflow: { id: r.workflow_definition_id, name: r.workflow_name, path: r.workflow_path },
          event: r.trigger_event, ref: r.ref, commit_sha: r.commit_sha, title: r.title,
          status: statusName(r.status), created_at: r.created_at,
        })),
      };
    },
  );
}
