import type { FastifyInstance } from 'fastify';
import { pageDefinitions } from '../../adapters/db/definitions.js';
import { pageEvents } from '../../adapters/db/events.js';
import { searchRuns } from '../../adapters/db/run-views.js';
import { listSchedules } from '../../adapters/db/schedules.js';
import { apiRepositoryPath, auditPath, eventsPath, hooksPath, workflowPath } from '../../core/dashboard/page-paths.js';
import { triggerInWords } from '../../core/dashboard/trigger-words.js';
import { nextInstants } from '../../core/schedule/index.js';
import { pageUrls } from '../../http/page-urls.js';
import { presentEventRecord } from '../../http/routes/events.js';
import { eventItem, runsTable } from '../components.js';
import { diagnosticsList, diagnosticsOfFiles } from '../diagnostics.js';
import { html } from '../html.js';
import { page, statusBadge, when } from '../layout.js';
import type { WebDeps } from '../register.js';
import { pageRepository, sendPage } from '../web-repository.js';
import { repoPageParams } from './params.js';

// A repository: its workflows (state, triggers, next schedule instants, problems), recent runs, recent events.

const WORKFLOWS = 200;
const RECENT_RUNS = 20;
const RECENT_EVENTS = 10;

export function registerRepositoryPage(app: FastifyInstance, deps: WebDeps): void {
  app.get<{ Params: { owner: string; repo: string } }>('/:owner/:repo', { schema: { params: repoPageParams } }, async (request, reply) => {
    const { repo, viewer, canWrite } = await pageRepository(deps, request);
    const now = deps.clock?.() ?? new Date();
    const [definitions, schedules, runs, events] = await Promise.all([
      pageDefinitions(deps.sql, repo.id, {}, { limit: WORKFLOWS, offset: 0 }),
      listSchedules(deps.sql, repo.id),
      searchRuns(deps.sql, repo.id, {}, { limit: RECENT_RUNS, offset: 0 }),
      pageEvents(deps.sql, repo.id, {}, { limit: RECENT_EVENTS, offset: 0 }),
    ]);
    const live = definitions.rows.filter((d) => (d.state as string) !== 'deleted');
    const problems = await diagnosticsOfFiles(deps.registry, repo, live);
    const nextOf = (definitionId: number) => schedules.filter((s) => s.workflow_definition_id === definitionId)
      .flatMap((s) => nextInstants(s.cron, s.timezone, now, 3)).sort((a, b) => a.getTime() - b.getTime()).slice(0, 3);
    const api = apiRepositoryPath(repo);
    return sendPage(reply, page({
      title: `${repo.owner}/${repo.name}`, viewer, crumbs: [{ href: '/', label: 'Repositories' }], jsonUrl: `${api}/runs`,
    }, html`
      <p class="muted">Default branch: ${repo.default_branch ?? 'none'}${repo.state === 'removed' ? ' · removed from disk (its history is kept)' : ''}</p>
      <nav aria-label="Repository"><a href="${eventsPath(repo)}">Events</a> · <a href="${auditPath(repo)}">Audit trail</a>${canWrite ? html` · <a href="${hooksPath(repo)}">Webhook deliveries</a>` : ''}</nav>

      <h2 id="workflows">Workflows</h2>
      ${live.length === 0 ? html`<p class="muted">No workflow files on the default branch (<code>.plue/workflows/*.py</code>).</p>` : html`<div class="table-wrap"><table aria-labelledby="workflows">
        <thead><tr><th scope="col">Workflow</th><th scope="col">State</th><th scope="col" class="optional">Runs on</th><th scope="col" class="optional">Next scheduled</th></tr></thead>
        <tbody>${live.map((d) => {
          const next = nextOf(d.id);
          return html`<tr>
            <td><a href="${workflowPath(repo, d.id)}">${d.name}</a> <span class="muted mono">${d.file_path}</span>
              ${d.triggers.length === 0 ? '' : html`<br><span class="muted">${d.triggers.map(triggerInWords).join(' · ')}</span>`}</td>
            <td>${statusBadge(d.state)}${d.diagnostics.length > 0 ? html` <a href="${workflowPath(repo, d.id)}#problems">${d.diagnostics.length} problem(s)</a>` : ''}</td>
            <td class="optional">${d.runs_on.length === 0 ? html`<span class="muted">any runner</span>` : d.runs_on.join(', ')}</td>
            <td class="optional">${next.length === 0 ? '' : next.map((t, i) => html`${i > 0 ? html`<br>` : ''}${when(t)}`)}</td>
          </tr>`;
        })}</tbody></table></div>`}
      ${problems.length === 0 ? '' : html`<h2 id="problems">Problems in workflow files</h2>${diagnosticsList(problems)}`}

      <h2>Recent runs</h2>
      ${runsTable(repo, runs.runs, now)}
      ${runs.total > runs.runs.length ? html`<p class="muted">${runs.total} runs in all; the newest ${runs.runs.length} are shown.</p>` : ''}

      <h2>Recent events</h2>
      ${events.rows.length === 0 ? html`<p class="muted">No events yet: push to the repository.</p>` : events.rows.map((e) => eventItem(repo, presentEventRecord(e, pageUrls('', repo)), e.payload))}
      ${events.total > events.rows.length ? html`<p><a href="${eventsPath(repo)}">All ${events.total} events</a></p>` : ''}
      <p class="json">JSON: <a href="${api}/workflows">workflows</a> · <a href="${api}/schedules">schedules</a> · <a href="${api}/events">events</a></p>
    `));
  });
}
