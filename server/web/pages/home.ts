import type { FastifyInstance } from 'fastify';
import { latestRunOfRepositories } from '../../adapters/db/run-views.js';
import { statusName } from '../../adapters/db/status.js';
import { repositoryPath, runPath } from '../../core/dashboard/page-paths.js';
import { html } from '../html.js';
import { page, statusBadge, when } from '../layout.js';
import type { WebDeps } from '../register.js';
import { viewerMay } from '../session.js';
import { SignInNeeded, sendPage, viewerOf } from '../web-repository.js';

// Home: the repositories the viewer may read, each with its latest run.

export function registerHomePage(app: FastifyInstance, deps: WebDeps): void {
  app.get('/', async (request, reply) => {
    const viewer = viewerOf(request);
    if (viewer.token === null && !viewer.publicRead) throw new SignInNeeded();
    const rows = (await latestRunOfRepositories(deps.sql)).filter((r) => viewerMay(viewer, r, 'read'));
    return sendPage(reply, page({ title: 'Repositories', viewer }, rows.length === 0
      ? html`<p>No repositories yet. Put a git repository under the service's repositories folder (PLUE_REPOS_DIR) and push.</p>`
      : html`<div class="table-wrap"><table>
        <thead><tr><th scope="col">Repository</th><th scope="col">Latest run</th><th scope="col">Status</th><th scope="col" class="optional">When</th></tr></thead>
        <tbody>${rows.map((r) => html`<tr>
          <td><a href="${repositoryPath(r)}">${r.owner}/${r.name}</a>${r.state === 'removed' ? html` <span class="muted">(removed)</span>` : ''}</td>
          ${r.latest_run === null
            ? html`<td class="muted">no runs yet</td><td></td><td class="optional"></td>`
            : html`<td><a href="${runPath(r, r.latest_run.id)}">${r.latest_run.workflow_name} #${r.latest_run.run_number}</a></td>
              <td>${statusBadge(statusName(r.latest_run.status))}</td><td class="optional">${when(r.latest_run.created_at)}</td>`}
        </tr>`)}</tbody></table></div>`));
  });
}
