import type { FastifyInstance } from 'fastify';
import { pageRunners, SEEN_EVERY_SECONDS } from '../../adapters/db/runners.js';
import { runPath } from '../../core/dashboard/page-paths.js';
import { html } from '../html.js';
import { page, statusBadge, when } from '../layout.js';
import type { WebDeps } from '../register.js';
import { viewerMay } from '../session.js';
import { sendPage, serviceViewer } from '../web-repository.js';

// Runners: name, labels, online or not, and the tasks each holds now (of repositories the viewer may read).

export function registerRunnersPage(app: FastifyInstance, deps: WebDeps): void {
  app.get('/runners', async (request, reply) => {
    const viewer = serviceViewer(request);
    const leaseSeconds = deps.runners?.settings.leaseSeconds ?? 60;
    // The same list, and the same meaning of online, as GET /api/runners.
    const { rows: runners } = await pageRunners(deps.sql, leaseSeconds, { limit: 1000, offset: 0 });
    return sendPage(reply, page({ title: 'Runners', viewer }, runners.length === 0
      ? html`<p>No runner has registered yet (<code>plue-trigger runner</code>, see docs/runners.md).</p>`
      : html`<p class="muted">Online: seen within the last ${leaseSeconds + SEEN_EVERY_SECONDS} seconds (the lease, plus how often a runner is marked seen), or running a task whose lease still runs. <a href="/api/runners">JSON</a></p>
      <div class="table-wrap"><table>
        <thead><tr><th scope="col">Runner</th><th scope="col">Labels</th><th scope="col">Online</th><th scope="col">Current task</th><th scope="col" class="optional">Last seen</th></tr></thead>
        <tbody>${runners.map((r) => {
          const tasks = r.tasks.map((t) => ({ ...t, name: t.repo })).filter((t) => viewerMay(viewer, t, 'read'));
          return html`<tr>
            <td>${r.name} <span class="muted">#${r.id}${r.version ? ` · ${r.version}` : ''}</span></td>
            <td>${r.labels.length === 0 ? html`<span class="muted">none</span>` : r.labels.join(', ')}</td>
            <td>${statusBadge(r.online ? 'online' : 'offline')}</td>
            <td>${tasks.length === 0 ? html`<span class="muted">idle</span>` : tasks.map((t, i) => html`${i > 0 ? html`<br>` : ''}<a href="${runPath(t, t.run_id)}">${t.owner}/${t.name} ${t.job_name} #${t.run_number}</a>`)}</td>
            <td class="optional">${when(r.last_seen_at)}</td>
          </tr>`;
        })}</tbody></table></div>`));
  });
}
