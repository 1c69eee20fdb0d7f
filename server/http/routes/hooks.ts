import type { FastifyInstance } from 'fastify';
import { parseHookDelivery } from '../../core/refs/hook-lines.js';
import { refNameFromBytes } from '../../core/refs/ref-bytes.js';
import { AppError, invalid } from '../../services/errors/app-error.js';
import { bearerToken, tokensEqual } from '../auth.js';
import type { AppDeps } from '../deps.js';
import { pushFeedback } from '../../services/ingest/push-feedback.js';
import { serviceBase } from '../page-urls.js';
import { typed } from '../type-provider.js';

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

// The body is JSON, or (what the shell hook sends, to start in a few milliseconds) plain text: the repository's
// path on the first line, then git's `<old> <new> <ref>` lines.
const plainTextBody = { type: 'string', maxLength: 4 * 1024 * 1024 } as const;
const hookBody = { anyOf: [postReceiveBody, plainTextBody] } as const;

type Delivery = { repository_path: string; updates: ReadonlyArray<{ before: string; after: string; ref: string }> };

function deliveryOf(body: Delivery | string): Delivery {
  if (typeof body !== 'string') return body;
  const parsed = parseHookDelivery(body);
  if (parsed === null) {
    throw invalid('invalid_request', [{ part: 'body', field: '', code: 'no_path', message: 'the first line must be the repository\'s absolute path' }]);
  }
  if (parsed.invalid.length > 0) {
    throw invalid('invalid_request', parsed.invalid.slice(0, 10).map((line) => ({
      part: 'body', field: '', code: 'invalid_line', message: `lines must be \`<old> <new> <ref>\`, got \`${line.slice(0, 200)}\``,
    })));
  }
  return { repository_path: parsed.repositoryPath, updates: parsed.updates };
}

type HookDeps = Pick<AppDeps, 'sql' | 'registry' | 'hookToken' | 'serverUrl' | 'hookFeedbackMs'>;

export async function registerHookRoutes(app: FastifyInstance, deps: HookDeps): Promise<void> {
  await app.register(async (scope) => {
    // Ref names are bytes and need not be UTF-8: decode so that two different names stay two (core/refs/ref-bytes).
    scope.addContentTypeParser('text/plain', { parseAs: 'buffer' }, (_request, body, done) => done(null, refNameFromBytes(body as Buffer)));
    registerPostReceive(scope, deps);
  });
}

// `wait=true` (what installed hooks ask): the reply waits, up to PLUE_HOOK_FEEDBACK_MS, for the trigger's decision
// on the pushed refs, and carries it as lines for the pusher's terminal; as plain text when the hook accepts it.
const hookQuery = { type: 'object', additionalProperties: false, properties: { wait: { type: 'boolean', default: false } } } as const;

function registerPostReceive(app: FastifyInstance, deps: HookDeps): void {
  typed(app).post('/api/hooks/post-receive', {
    bodyLimit: 4 * 1024 * 1024, // a push of thousands of refs
    schema: { body: hookBody, querystring: hookQuery },
  }, async (request, reply) => {
    const token = bearerToken(request);
    if (token === null || !tokensEqual(token, deps.hookToken)) throw new AppError('unauthorized');
    const delivery = deliveryOf(request.body);
    const recorded = await deps.registry.hookUpdates(delivery.repository_path, [...delivery.updates]);
    if (!request.query.wait) return reply.status(202).send(recorded);
    const repo = deps.registry.get(recorded.repository)?.row;
    const feedback = repo === undefined ? [] : await pushFeedback(deps.sql, repo, delivery.updates, {
      waitMs: deps.hookFeedbackMs ?? 0, baseUrl: serviceBase(deps, request),
    });
    if (/^text\/plain\b/.test(request.headers.accept ?? '')) {
      return reply.status(202).type('text/plain; charset=utf-8').send(feedback.map((line) => `${line}\n`).join(''));
    }
    return reply.status(202).send({ ...recorded, feedback });
  });
}
