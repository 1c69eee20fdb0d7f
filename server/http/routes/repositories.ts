import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';
import { repositoryOf } from '../repository.js';
import { errorReplies, repoParams } from '../schemas/common.js';
import { typed } from '../type-provider.js';

// A repository as the service knows it: above all its default branch, whose workflows are the repository's
// (`workflows list`, schedules, host events), and what HEAD names, which differ when HEAD names a missing branch.

const repository = {
  type: 'object',
  properties: {
    owner: { type: 'string' },
    name: { type: 'string' },
    full_name: { type: 'string' },
    default_branch: {
      type: ['string', 'null'],
      description: 'the branch HEAD names; when that branch does not exist, the first branch pushed (null: none yet)',
    },
    head: { type: ['string', 'null'], description: 'the branch HEAD names now (null: detached, or the repository is not on disk)' },
    state: { type: 'string', enum: ['active', 'removed'], description: 'removed: gone from disk; its history is kept' },
  },
} as const;

export function registerRepositoryRoutes(app: FastifyInstance, deps: AppDeps): void {
  typed(app).get('/api/repos/:owner/:repo', {
    config: { access: 'read' },
    schema: {
      summary: 'Get a repository and its default branch', tags: ['repositories'], security: [{ bearerAuth: [] }],
      params: repoParams, response: { 200: repository, ...errorReplies },
    },
  }, async (request) => {
    const repo = await repositoryOf(deps, request.params);
    const known = deps.registry.get(`${repo.owner}/${repo.name}`);
    const head = known && repo.state === 'active' ? await known.git.defaultBranch() : null;
    return {
      owner: repo.owner, name: repo.name, full_name: `${repo.owner}/${repo.name}`, default_branch: repo.default_branch, head, state: repo.state,
    };
  });
}
