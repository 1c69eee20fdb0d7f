import type { FastifyInstance, FastifyRequest } from 'fastify';
import { readContextFiles } from '../../adapters/db/context-files.js';
import { getRepository } from '../../adapters/db/repositories.js';
import { leasedTaskRun } from '../../adapters/db/tasks.js';
import { childChain } from '../../core/trigger/chain.js';
import { handOff } from '../../services/api/handoff.js';
import { AppError } from '../../services/errors/app-error.js';
import { accessError } from '../../services/runners/task-actions.js';
import { hashToken } from '../../services/runners/tokens.js';
import { digitsOnlyId, refuseUnstorable } from '../api-scope.js';
import type { AppDeps } from '../deps.js';
import { gitDirOf } from '../repository.js';
import { idempotencyHeaders } from '../schemas/common.js';
import { handoffBodyLimit, handoffProperties } from '../schemas/handoff.js';
import { typed } from '../type-provider.js';
import { taskParams, taskToken } from './runners.js';

// A running workflow hands work on (docs/runners.md): it dispatches another workflow of its repository with its
// task token, and the runner of a dispatched run fetches the run's context files. Both are fenced like every task
// call: the token must hold a live lease on the task.

const dispatchBody = {
  type: 'object', required: ['workflow'], additionalProperties: false,
  properties: {
    workflow: { type: 'string', minLength: 1, maxLength: 1000, description: 'the workflow to start: its name, function, file path or id' },
    ref: { type: 'string', minLength: 1, maxLength: 1024, description: "branch, tag or full ref to run at (default: the task's ref)" },
    ...handoffProperties,
  },
} as const;

/** The payload goes into jsonb: NUL and lone surrogates are refused (the context files' names and texts are the service's). */
const storablePayload = async (request: FastifyRequest) => {
  const body = request.body as { payload?: unknown; workflow?: unknown; ref?: unknown } | null;
  if (body && typeof body === 'object') refuseUnstorable('body', { payload: body.payload, workflow: body.workflow, ref: body.ref });
};

export function registerTaskHandoffRoutes(fastify: FastifyInstance, deps: AppDeps): void {
  const app = typed(fastify);
  const { sql } = deps;

  app.post('/api/runners/tasks/:id/dispatches', {
    bodyLimit: handoffBodyLimit(deps.dispatch),
    schema: { params: taskParams, headers: idempotencyHeaders, body: dispatchBody },
    preValidation: [digitsOnlyId, storablePayload],
  }, async (request, reply) => {
    const hash = hashToken(taskToken(request));
    const task = await leasedTaskRun(sql, request.params.id, hash);
    if (!task) throw await accessError(sql, request.params.id, hash);
    const repo = await getRepository(sql, task.repository_id);
    if (!repo) throw new AppError('not_found', { what: `repository ${task.repository_id}` });
    const { workflow, ref, payload, context } = request.body;
    const idempotencyKey = request.headers['idempotency-key'];
    const { reply: made, replayed } = await handOff(
      { sql, source: deps.source, log: deps.log, limits: deps.dispatch }, repo, gitDirOf(deps.registry, repo),
      {
        workflow, payload,
        ...(ref !== undefined ? { ref } : {}), ...(context !== undefined ? { context } : {}),
        ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
      },
      {
        actor: { runner_id: task.runner_id, task_id: task.task_id, run_id: task.run_id },
        chain: childChain({ id: task.run_id, depth: task.depth }), defaultRef: task.ref, source: 'task',
      },
    );
    if (replayed) void reply.header('idempotent-replayed', 'true');
    return reply.status(201).send(made);
  });

  app.get('/api/runners/tasks/:id/context', {
    schema: { params: taskParams }, preValidation: digitsOnlyId,
  }, async (request) => {
    const hash = hashToken(taskToken(request));
    const task = await leasedTaskRun(sql, request.params.id, hash);
    if (!task) throw await accessError(sql, request.params.id, hash);
    return task.event_id === null ? {} : readContextFiles(sql, task.event_id);
  });
}
