import type { FastifyInstance } from 'fastify';
import { parseHookDelivery } from '../../core/refs/hook-lines.js';
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

// The body is JSON, or (what the shell hook sends, to start in a few milliseconds) plain text: the repository's
// path on the first line, then git's `<old> <new> <ref>` lines.
const plainTextBody = { type: 'string', maxLength: 4 * 1024 * 1024 } as const;

function deliveryOf(body: PostReceiveBody | string): PostReceiveBody {
  if (typeof body !== 'string') return body;
  const parsed = parseHookDelivery(body);
  if (parsed === null) throw new HttpError(400, 'invalid_request', 'the first line must be the repository\'s absolute path');
  if (parsed.invalid.length > 0) {
    throw new HttpError(400, 'invalid_request', 'lines must be `<old> <new> <ref>`', { invalid: parsed.invalid.slice(0, 10) });
  }
  return { repository_path: parsed.repositoryPath, updates: parsed.updates };
}

export function registerHookRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'registry' | 'hookToken'>): void {
  app.post<{ Body: PostReceiveBody | string }>('/api/hooks/post-receive', {
    bodyLimit: 4 * 1024 * 1024, // a push of thousands of refs
    schema: { body: { anyOf: [postReceiveBody, plainTextBody] } },
  }, async (request, reply) => {
    const token = bearerToken(request);
    if (token === null || !tokensEqual(token, deps.hookToken)) throw unauthorized();
    const delivery = deliveryOf(request.body);
    try {
      const result = await deps.registry.hookUpdates(delivery.repository_path, delivery.updates);
      return reply.status(202).send(result);
    } catch (error) {
      if (error instanceof UnknownRepositoryError) throw new HttpError(422, 'unknown_repository', error.message);
      throw error;
    }
  });
}
