import type { FastifyInstance } from 'fastify';
import { definitionsNamedBy, pageDefinitions } from '../../adapters/db/definitions.js';
import { selectWorkflows } from '../../core/api/workflow-selector.js';
import { dispatchWorkflow } from '../../services/api/dispatch.js';
import type { DispatchRequest } from '../../services/api/dispatch.js';
import { handOff } from '../../services/api/handoff.js';
import { CHAIN_START } from '../../core/trigger/chain.js';
import { AppError, invalid } from '../../services/errors/app-error.js';
import type { AppDeps } from '../deps.js';
import { presentWorkflow } from '../present.js';
import { pageUrlsOf } from '../page-urls.js';
import { gitDirOf, repositoryOf } from '../repository.js';
import { bodyOptional, errorReplies, idempotencyHeaders, pageProperties, repoParams, workflowParams } from '../schemas/common.js';
import { handoffBodyLimit, handoffProperties, handoffReply } from '../schemas/handoff.js';
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
    inputs: { type: 'object', maxProperties: 100, description: 'a `manual` trigger: input name → value; strings are converted to the declared type' },
    ...handoffProperties,
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
    const urls = pageUrlsOf(deps, request, repo);
    return { total_count: total, workflows: rows.map((row) => presentWorkflow(row, urls)) };
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
    return presentWorkflow(chosen[0]!.row, pageUrlsOf(deps, request, repo));
  });

  api.post(
    '/api/repos/:owner/:repo/workflows/:workflow/dispatches', {
      config: { access: 'write', ownTextChecks: ['context'] },
      preValidation: bodyOptional,
      bodyLimit: handoffBodyLimit(deps.dispatch),
      schema: {
        summary: 'Start a workflow by hand (`inputs`) or dispatch it (`payload`, `context`)', tags, security,
        params: workflowParams, headers: idempotencyHeaders, body: dispatchBody,
        response: { 201: handoffReply, ...errorReplies },
      },
    }, async (request, reply) => {
      const repo = await repositoryOf(deps, request.params);
      const gitDir = gitDirOf(deps.registry, repo);
      const { ref, inputs, payload, context } = request.body;
      const idempotencyKey = request.headers['idempotency-key'];
      const common = {
        workflow: request.params.workflow,
        ...(ref !== undefined ? { ref } : {}),
        ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
      };
      // `payload` or `context` make it a dispatch (a `dispatch()` trigger); otherwise it is a manual run.
      const handingOff = Object.hasOwn(request.body, 'payload') || context !== undefined;
      if (handingOff && inputs !== undefined) {
        throw invalid('invalid_request', [{
          part: 'body', field: 'inputs', code: 'not_allowed',
          message: '`inputs` are for `manual` triggers, `payload` and `context` for `dispatch()` triggers: send one or the other',
        }]);
      }
      const { reply: made, replayed } = handingOff
        ? await handOff({ sql: deps.sql, source: deps.source, log: deps.log, limits: deps.dispatch }, repo, gitDir,
          { ...common, payload, ...(context !== undefined ? { context } : {}) },
          { actor: { token_id: request.apiToken!.id }, chain: CHAIN_START, defaultRef: repo.default_branch, source: 'api' })
        : await dispatchWorkflow({ sql: deps.sql, source: deps.source, log: deps.log }, repo, gitDir,
          { ...common, ...(inputs !== undefined ? { inputs } : {}) } satisfies DispatchRequest);
      if (replayed) void reply.header('idempotent-replayed', 'true');
      return reply.status(201)
        .header('location', `/api/repos/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.name)}/runs/${made.run_id}`)
        .send(made);
    });
}
