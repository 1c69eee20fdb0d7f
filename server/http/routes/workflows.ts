import type { FastifyInstance } from 'fastify';
import { definitionsNamedBy, pageDefinitions } from '../../adapters/db/definitions.js';
import { selectWorkflows } from '../../core/api/workflow-selector.js';
import { dispatchWorkflow } from '../../services/api/dispatch.js';
import type { DispatchRequest } from '../../services/api/dispatch.js';
import { AppError } from '../../services/errors/app-error.js';
import type { AppDeps } from '../deps.js';
import { presentWorkflow } from '../present.js';
import { gitDirOf, repositoryOf } from '../repository.js';
import { bodyOptional, errorReplies, idempotencyHeaders, pageProperties, repoParams, workflowParams } from '../schemas/common.js';
import { workflow, workflowList } from '../schemas/resources.js';
import { typed } from '../type-provider.js';

// The default branch's workflows, and starting one by hand.

const security = [{ bearerAuth: [] }];
const tags = ['workflows'];

const listQuery = {
  type: 'object', additionalProperties: false,
  properties: { ...pageProperties, state: { type: 'string', enum: ['active', 'invalid', 'deleted'], description: 'only workflows in this state' } },
} as const;

const dispatchBody = {
  type: 'object', additionalProperties: false,
  properties: {
    ref: { type: 'string', minLength: 1, maxLength: 1024, description: 'branch, tag or full ref to run at (default: the default branch)' },
    inputs: { type: 'object', maxProperties: 100, description: 'input name → value; strings are converted to the declared type' },
  },
} as const;

const dispatchReply = {
  type: 'object',
  description: 'the run started (or, for a retried Idempotency-Key, the one started first)',
  properties: {
    run_id: { type: 'integer' },
    run_number: { type: 'integer' },
    status: { type: 'string' },
    workflow: { type: 'object', properties: { name: { type: 'string' }, path: { type: 'string' }, function: { type: 'string' } } },
    ref: { type: 'string' },
    sha: { type: 'string' },
    inputs: { type: 'object', additionalProperties: true },
  },
} as const;

export function registerWorkflowRoutes(app: FastifyInstance, deps: AppDeps): void {
  const api = typed(app);
  api.get('/api/repos/:owner/:repo/workflows', {
    config: { access: 'read' },
    schema: {
      summary: "List the default branch's workflows", tags, security,
      params: repoParams, querystring: listQuery, response: { 200: workflowList, ...errorReplies },
    },
  }, async (request) => {
    const repo = await repositoryOf(deps, request.params);
    const { page, per_page, state } = request.query;
    const { rows, total } = await pageDefinitions(deps.sql, repo.id, state === undefined ? {} : { state }, { limit: per_page, offset: (page - 1) * per_page });
    return { total_count: total, workflows: rows.map(presentWorkflow) };
  });

  api.get('/api/repos/:owner/:repo/workflows/:workflow', {
    config: { access: 'read' },
    schema: {
      summary: 'Get one workflow', tags, security,
      params: workflowParams, response: { 200: workflow, ...errorReplies },
    },
  }, async (request) => {
    const repo = await repositoryOf(deps, request.params);
    const rows = await definitionsNamedBy(deps.sql, repo.id, request.params.workflow);
    const candidates = rows.map((row) => ({ id: row.id, path: row.file_path, name: row.name, function: row.function_name, row }));
    let chosen = selectWorkflows(candidates, request.params.workflow);
    const live = chosen.filter((c) => (c.row.state as string) !== 'deleted');
    if (chosen.length > 1 && live.length > 0) chosen = live;
    if (chosen.length === 0) throw new AppError('not_found', { what: `workflow \`${request.params.workflow}\`` });
    if (chosen.length > 1) {
      throw new AppError('ambiguous_workflow', { selector: request.params.workflow, count: chosen.length, hint: 'use an id' }, {
        candidates: chosen.map((c) => ({ id: c.id, name: c.name, path: c.path, function: c.function })),
      });
    }
    return presentWorkflow(chosen[0]!.row);
  });

  api.post(
    '/api/repos/:owner/:repo/workflows/:workflow/dispatches', {
      config: { access: 'write' },
      preValidation: bodyOptional,
      schema: {
        summary: 'Start a workflow by hand', tags, security,
        params: workflowParams, headers: idempotencyHeaders, body: dispatchBody,
        response: { 201: dispatchReply, ...errorReplies },
      },
    }, async (request, reply) => {
      const repo = await repositoryOf(deps, request.params);
      const gitDir = gitDirOf(deps.registry, repo);
      const dispatch: DispatchRequest = {
        workflow: request.params.workflow,
        ...(request.body.ref !== undefined ? { ref: request.body.ref } : {}),
        ...(request.body.inputs !== undefined ? { inputs: request.body.inputs } : {}),
        ...(request.headers['idempotency-key'] !== undefined ? { idempotencyKey: request.headers['idempotency-key'] } : {}),
      };
      const { reply: made, replayed } = await dispatchWorkflow({ sql: deps.sql, source: deps.source, log: deps.log }, repo, gitDir, dispatch);
      if (replayed) void reply.header('idempotent-replayed', 'true');
      return reply.status(201)
        .header('location', `/api/repos/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.name)}/runs/${made.run_id}`)
        .send(made);
    });
}
