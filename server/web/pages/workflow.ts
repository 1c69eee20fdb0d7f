import type { FastifyInstance } from 'fastify';
import { findDefinition } from '../../adapters/db/definitions.js';
import { searchRuns } from '../../adapters/db/run-views.js';
import { listSchedules } from '../../adapters/db/schedules.js';
import { apiRepositoryPath, repositoryPath } from '../../core/dashboard/page-paths.js';
import { triggerInWords } from '../../core/dashboard/trigger-words.js';
import { nextInstants } from '../../core/schedule/index.js';
import { AppError } from '../../services/errors/app-error.js';
import { runsTable } from '../components.js';
import { diagnosticsList, diagnosticsOfFiles } from '../diagnostics.js';
import { html } from '../html.js';
import { page, statusBadge, when } from '../layout.js';
import type { WebDeps } from '../register.js';
import { pageRepository, sendPage } from '../web-repository.js';
import { idPageParams } from './params.js';

// One workflow of the default branch: its triggers, next schedule instants, problems with their source lines, runs.

export function registerWorkflowPage(app: FastifyInstance, deps: WebDeps): void {
  app.get<{ Params: { owner: string; repo: string; id: number } }>('/:owner/:repo/workflows/:id', { schema: { params: idPageParams } }, async (request, reply) => {
    const { repo, viewer } = await pageRepository(deps, request);
    const definition = await findDefinition(deps.sql, repo.id, request.params.id);
    if (!definition) throw new AppError('not_found', { what: `workflow ${request.params.id}` });
    const now = deps.clock?.() ?? new Date();
    const [runs, schedules, problems] = await Promise.all([
      searchRuns(deps.sql, repo.id, { workflow: String(definition.id) }, { limit: 20, offset: 0 }),
      listSchedules(deps.sql, repo.id),
      diagnosticsOfFiles(deps.registry, repo, [definition]),
    ]);
    const mine = schedules.filter((s) => s.workflow_definition_id === definition.id);
    return sendPage(reply, page({
      title: definition.name, viewer,
      crumbs: [{ href: '/', label: 'Repositories' }, { href: repositoryPath(repo), label: `${repo.owner}/${repo.name}` }],
      jsonUrl: `${apiRepositoryPath(repo)}/workflows/${definition.id}`,
    }, html`
      <dl class="facts">
        <dt>State</dt><dd>${statusBadge(definition.state)}</dd>
        <dt>File</dt><dd class="mono">${definition.file_path}${definition.function_name ? ` · ${definition.function_name}()` : ''}</dd>
        <dt>Triggers</dt><dd>${definition.triggers.length === 0 ? html`<span class="muted">none</span>` : html`<ul>${definition.triggers.map((t) => html`<li>${triggerInWords(t)}</li>`)}</ul>`}</dd>
        <dt>Runs on</dt><dd>${definition.runs_on.length === 0 ? 'any runner' : definition.runs_on.join(', ')}</dd>
        ${mine.length === 0 ? '' : html`<dt>Next scheduled</dt><dd>${mine.flatMap((s) => nextInstants(s.cron, s.timezone, now, 5)).sort((a, b) => a.getTime() - b.getTime()).slice(0, 5)
          .map((t, i) => html`${i > 0 ? html`<br>` : ''}${when(t)}`)}</dd>`}
        <dt>Updated</dt><dd>${when(definition.updated_at)}</dd>
      </dl>
      <h2 id="problems">Problems</h2>
      ${problems.length === 0 ? html`<p class="muted">None.</p>` : diagnosticsList(problems)}
      <h2>Runs</h2>
      ${runsTable(repo, runs.runs, now)}
    `));
  });
}
