import type { FastifyInstance } from 'fastify';
import { listHooks, pageDeliveries } from '../../adapters/db/webhooks.js';
import { apiRepositoryPath, repositoryPath, runPath } from '../../core/dashboard/page-paths.js';
import { presentDelivery, presentHook } from '../../http/routes/webhooks.js';
import { html } from '../html.js';
import { page, statusBadge, when } from '../layout.js';
import type { WebDeps } from '../register.js';
import { pageRepository, sendPage } from '../web-repository.js';
import { repoPageParams } from './params.js';

// The repository's webhooks and their latest deliveries. Like the API, this needs a token allowed to write.

const DELIVERIES_PER_HOOK = 20;

export function registerHooksPage(app: FastifyInstance, deps: WebDeps): void {
  app.get<{ Params: { owner: string; repo: string } }>('/:owner/:repo/hooks', { schema: { params: repoPageParams } }, async (request, reply) => {
    const { repo, viewer } = await pageRepository(deps, request, 'write');
    const hooks = await listHooks(deps.sql, { repositoryId: repo.id });
    const withDeliveries = await Promise.all(hooks.map(async (h) => ({
      hook: presentHook(h), deliveries: await pageDeliveries(deps.sql, h.id, {}, { limit: DELIVERIES_PER_HOOK, offset: 0 }),
    })));
    const api = `${apiRepositoryPath(repo)}/hooks`;
    return sendPage(reply, page({
      title: `Webhooks of ${repo.owner}/${repo.name}`, viewer,
      crumbs: [{ href: '/', label: 'Repositories' }, { href: repositoryPath(repo), label: `${repo.owner}/${repo.name}` }],
      jsonUrl: api,
    }, withDeliveries.length === 0 ? html`<p class="muted">No webhooks (see docs/api.md, Webhooks).</p>` : withDeliveries.map(({ hook, deliveries }) => html`
      <section aria-labelledby="hook-${hook.id}">
        <h2 id="hook-${hook.id}">Hook #${hook.id} <span class="mono">${hook.url}</span> ${statusBadge(hook.active ? 'active' : 'deleted')}</h2>
        <p class="muted">hears ${hook.events.join(', ')} · ${deliveries.total} deliveries · <a href="${api}/${hook.id}/deliveries">JSON</a></p>
        ${deliveries.rows.length === 0 ? html`<p class="muted">No deliveries yet.</p>` : html`<div class="table-wrap"><table>
          <thead><tr><th scope="col">Delivery</th><th scope="col">Status</th><th scope="col">Event</th><th scope="col" class="optional">Attempts</th><th scope="col">Last answer</th><th scope="col" class="optional">Created</th></tr></thead>
          <tbody>${deliveries.rows.map(presentDelivery).map((d) => html`<tr>
            <td class="mono">${d.delivery_id.slice(0, 8)}</td><td>${statusBadge(d.status)}</td>
            <td>${d.event}.${d.action}${d.run_id === null ? '' : html` <a href="${runPath(repo, d.run_id)}">run ${d.run_id}</a>`}</td>
            <td class="optional">${d.attempts}</td>
            <td>${d.last_status_code === null ? '' : `HTTP ${d.last_status_code}`} ${d.last_error ?? ''}${d.next_attempt_at === null ? '' : html`<br><span class="muted">next attempt ${when(d.next_attempt_at)}</span>`}</td>
            <td class="optional">${when(d.created_at)}</td>
          </tr>`)}</tbody></table></div>`}
      </section>`)));
  });
}
