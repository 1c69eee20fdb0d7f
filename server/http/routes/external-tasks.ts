import type { FastifyInstance, FastifyRequest } from 'fastify';
import { completeTask, handOff } from '../../services/runners/external-tasks.js';
import type { CompletionStatus } from '../../services/runners/external-tasks.js';
import type { RunnerServices } from '../../services/runners/runner-services.js';
import { digitsOnlyId, refuseUnstorable } from '../api-scope.js';
import { bodyOptional } from '../schemas/common.js';
import { typed } from '../type-provider.js';
import { taskParams, taskToken } from './runners.js';

// Tasks completed by an external system (docs/runners.md): the task hands itself off with its task token (fenced
// like every task call), and the external system ends it with the completion token it was given. The completion
// routes sit outside the user API: the completion token is their only credential.

/** The most a task may wait on the outside: 30 days. */
export const MAX_HANDOFF_SECONDS = 30 * 24 * 3600;
/** A completion's body (its output with it). */
export const COMPLETION_BODY_LIMIT = 64 * 1024;

const handoffBody = {
  type: 'object', required: ['timeout_seconds'], additionalProperties: false,
  properties: {
    external_ref: { type: 'string', minLength: 1, maxLength: 200, description: "the external system's id for the work" },
    timeout_seconds: { type: 'integer', minimum: 1, maximum: MAX_HANDOFF_SECONDS, description: 'the task fails if not completed by then' },
  },
} as const;
const output = { description: 'any JSON, stored with the task and shown in the run' } as const;
const completeBody = {
  type: 'object', required: ['status'], additionalProperties: false,
  properties: { status: { type: 'string', enum: ['success', 'failure'] }, output },
} as const;
const failBody = {
  type: 'object', additionalProperties: false,
  properties: { status: { type: 'string', enum: ['failure'] }, output },
} as const;

/** Texts and output go into text and jsonb columns: NUL and lone surrogates are refused, as PostgreSQL would. */
const storableBody = async (request: FastifyRequest) => refuseUnstorable('body', request.body);

export function registerExternalTaskRoutes(fastify: FastifyInstance, runners: Pick<RunnerServices, 'sql'>): void {
  const app = typed(fastify);
  const { sql } = runners;

  app.post('/api/runners/tasks/:id/handoff', {
    schema: { params: taskParams, body: handoffBody }, preValidation: [digitsOnlyId, storableBody],
  }, async (request, reply) => {
    const { external_ref: externalRef, timeout_seconds: timeoutSeconds } = request.body;
    return reply.status(202).send(await handOff(sql, request.params.id, taskToken(request), { externalRef: externalRef ?? null, timeoutSeconds }));
  });

  const complete = (request: FastifyRequest & { params: { id: number }; body: { output?: unknown } }, status: CompletionStatus) =>
    completeTask(sql, request.params.id, taskToken(request), { status, output: request.body.output ?? null });

  app.post('/api/tasks/:id/complete', {
    bodyLimit: COMPLETION_BODY_LIMIT, schema: { params: taskParams, body: completeBody }, preValidation: [digitsOnlyId, storableBody],
  }, async (request) => complete(request, request.body.status));

  app.post('/api/tasks/:id/fail', {
    bodyLimit: COMPLETION_BODY_LIMIT, schema: { params: taskParams, body: failBody }, preValidation: [digitsOnlyId, bodyOptional, storableBody],
  }, async (request) => complete(request, 'failure'));
}
