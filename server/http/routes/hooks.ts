import type { FastifyInstance } from 'fastify';
import { UnknownRepositoryError } from '../../services/ingest/registry.js';
import type { AppDeps } from '../app.js';
import { bearerToken, tokensEqual } from '../auth.js';
import { HttpError, unauthorized } from '../errors.js';

const sha = { type: 'string', pattern: '^[0-9a-f]{40}([0-9a-f]{24})?$' } as const;

const postReceiveBody = {
  type: 'object',
  required: ['repository_path', 'updates'],
  additionalProperties: false,
  properties: {
    repository_path: { type: 'string', minLength: 1, maxLength: 4096 },
    updates: {
      type: 'array',
      maxItems: 10_000,
      items: {
        type: 'object',
        required: ['before', 'after', 'ref'],
        additionalProperties: false,
        properties: { before: sha, after: sha, ref: { type: 'string', minLength: 1, maxLength: 1024, pattern: '^refs/' } },
      },
    },
  },
} as const;

interface PostReceiveBody {
  repository_path: string;
  updates: Array<{ before: string; after: string; ref: string }>;
}

export function registerHookRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'registry' | 'hookToken'>): void {
  app.post<{ Body: PostReceiveBody }>('/api/hooks/post-receive', { schema: { body: postReceiveBody } }, async (request, reply) => {
    const token = bearerToken(request);
    if (token === null || !tokensEqual(token, deps.hookToken)) throw unauthorized();
    try {
      const result = await deps.registry.hookUpdates(request.body.repository_path, request.body.updates);
      return reply.status(202).send(result);
    } catch (error) {
      if (error instanceof UnknownRepositoryError) throw new HttpError(422, 'unknown_repository', error.message);
      throw error;
    }
  });
}
