import type { FastifyInstance, FastifyRequest } from 'fastify';
import { listCommitStatuses } from '../../adapters/db/commit-statuses.js';
import type { CommitStatusRow } from '../../adapters/db/commit-statuses.js';
import type { RepositoryRow } from '../../adapters/db/repositories.js';
import { targetUrl } from '../../core/status/commit-status.js';
import { combinedStatus, commitOfRef, isFullCommitId } from '../../services/api/commit-statuses.js';
import { AppError } from '../../services/errors/app-error.js';
import type { AppDeps } from '../deps.js';
import { serviceBase } from '../page-urls.js';
import { gitDirOf, repositoryOf } from '../repository.js';
import { errorReplies, id, pageProperties, repoParams, timestamp } from '../schemas/common.js';
import { typed } from '../type-provider.js';

// Commit statuses, as GitHub's API reads them: https://docs.github.com/en/rest/commits/statuses

const security = [{ bearerAuth: [] }];
const tags = ['statuses'];

const refParams = {
  type: 'object',
  required: ['owner', 'repo', 'ref'],
  additionalProperties: false,
  properties: {
    ...repoParams.properties,
    ref: { type: 'string', minLength: 1, maxLength: 1000, description: 'a commit id, a branch, a tag or a full ref (slashes URL-encoded)' },
  },
} as const;

const commitState = { type: 'string', enum: ['pending', 'success', 'failure', 'error'] } as const;

const commitStatus = {
  type: 'object',
  description: 'a commit status',
  properties: {
    id,
    state: commitState,
    description: { type: 'string' },
    target_url: { type: ['string', 'null'], description: 'the run it reports; null for a workflow file\'s errors' },
    context: { type: 'string', description: '`plue/<workflow name> (<event>)` for a run, `plue/<file path>` for a broken workflow file' },
    created_at: timestamp,
    run_id: { type: ['integer', 'null'] },
  },
} as const;

const statusList = { type: 'array', description: 'the statuses of the commit, newest first', items: commitStatus } as const;

const combined = {
  type: 'object',
  description: 'the latest status of each context and the state they make together',
  properties: {
    state: { type: 'string', enum: ['pending', 'success', 'failure'], description: 'failure if any is failure or error, else pending if any is pending (or none exists), else success' },
    sha: { type: 'string' },
    total_count: { type: 'integer' },
    statuses: { type: 'array', items: commitStatus },
  },
} as const;

export function registerStatusRoutes(app: FastifyInstance, deps: AppDeps): void {
  const api = typed(app);

  api.get('/api/repos/:owner/:repo/commits/:ref/statuses', {
    config: { access: 'read' },
    schema: {
      summary: "List a commit's statuses, newest first", tags, security, params: refParams,
      querystring: { type: 'object', additionalProperties: false, properties: pageProperties },
      response: { 200: statusList, ...errorReplies },
    },
  }, async (request) => {
    const { repo, sha } = await commitOfRequest(deps, request.params);
    const rows = await listCommitStatuses(deps.sql, repo.id, sha, { limit: request.query.per_page, offset: (request.query.page - 1) * request.query.per_page });
    return rows.map(presenter(deps, request, repo));
  });

  api.get('/api/repos/:owner/:repo/commits/:ref/status', {
    config: { access: 'read' },
    schema: { summary: "Get a commit's combined status", tags, security, params: refParams, response: { 200: combined, ...errorReplies } },
  }, async (request) => {
    const { repo, sha } = await commitOfRequest(deps, request.params);
    const status = await combinedStatus(deps.sql, repo, sha);
    return { ...status, statuses: status.statuses.map(presenter(deps, request, repo)) };
  });
}

async function commitOfRequest(deps: AppDeps, params: { owner: string; repo: string; ref: string }): Promise<{ repo: RepositoryRow; sha: string }> {
  const repo = await repositoryOf(deps, params);
  let gitDir: string | null = null;
  try {
    gitDir = gitDirOf(deps.registry, repo);
  } catch (error) {
    // A repository gone from disk keeps its statuses readable by commit id.
    if (!(error instanceof AppError && error.code === 'repository_unavailable' && isFullCommitId(params.ref))) throw error;
  }
  return { repo, sha: await commitOfRef(repo, gitDir, params.ref) };
}

function presenter(deps: AppDeps, request: FastifyRequest, repo: RepositoryRow) {
  const base = serviceBase(deps, request);
  return (s: CommitStatusRow) => ({
    id: s.id, state: s.state, description: s.description, target_url: targetUrl(base, repo, s.target_path),
    context: s.context, created_at: s.created_at, run_id: s.run_id,
  });
}
