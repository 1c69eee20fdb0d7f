import type { FastifyInstance } from 'fastify';
import { pageAudit } from '../../adapters/db/audit.js';
import { apiRepositoryPath, auditPath, repositoryPath } from '../../core/dashboard/page-paths.js';
import { html } from '../html.js';
import { page, when } from '../layout.js';
import { pageWindow, pager } from '../pager.js';
import type { WebDeps } from '../register.js';
import { pageRepository, sendPage } from '../web-repository.js';
import { pageQuery, repoPageParams } from './params.js';

// The audit trail: what was decided, by whom, when.

const inWords = (value: Record<string, unknown>) => Object.entries(value).map(([k, v]) => `${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ');

export function registerAuditPage(app: FastifyInstance, deps: WebDeps): void {
  app.get<{ Params: { owner: string; repo: string }; Querystring: { page: number } }>('/:owner/:repo/audit', {
    schema: { params: repoPageParams, querystring: pageQuery },
  }, async (request, reply) => {
    const { repo, viewer } = await pageRepository(deps, request);
    const { rows, total } = await pageAudit(deps.sql, repo.id, {}, pageWindow(request.query.page));
    return sendPage(reply, page({
      title: `Audit trail of ${repo.owner}/${repo.name}`, viewer,
      crumbs: [{ href: '/', label: 'Repositories' }, { href: repositoryPath(repo), label: `${repo.owner}/${repo.name}` }],
      jsonUrl: `${apiRepositoryPath(repo)}/audit`,
    }, rows.length === 0 ? html`<p class="muted">Nothing recorded yet.</p>` : html`<div class="table-wrap"><table>
      <thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Who</th><th scope="col">About</th><th scope="col" class="optional">Detail</th></tr></thead>
      <tbody>${rows.map((r) => html`<tr>
        <td>${when(r.created_at)}</td><td><code>${r.kind}</code></td><td>${inWords(r.actor as Record<string, unknown>)}</td>
        <td>${inWords(r.subject)}</td><td class="optional">${inWords(r.detail)}</td>
      </tr>`)}</tbody></table></div>
      ${pager(auditPath(repo), request.query.page, total)}`));
  });
}
