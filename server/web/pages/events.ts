import type { FastifyInstance } from 'fastify';
import { findEventOf, pageEvents } from '../../adapters/db/events.js';
import { apiRepositoryPath, eventsPath, repositoryPath } from '../../core/dashboard/page-paths.js';
import { pageUrls } from '../../http/page-urls.js';
import { presentEventRecord } from '../../http/routes/events.js';
import { AppError } from '../../services/errors/app-error.js';
import { eventItem } from '../components.js';
import { html } from '../html.js';
import { page } from '../layout.js';
import { pageWindow, pager } from '../pager.js';
import type { WebDeps } from '../register.js';
import { pageRepository, sendPage } from '../web-repository.js';
import { idPageParams, pageQuery, repoPageParams } from './params.js';

// Events: each delivery with what it started and, for every other workflow, why not; failed ones with their error.

export function registerEventPages(app: FastifyInstance, deps: WebDeps): void {
  app.get<{ Params: { owner: string; repo: string }; Querystring: { page: number } }>('/:owner/:repo/events', {
    schema: { params: repoPageParams, querystring: pageQuery },
  }, async (request, reply) => {
    const { repo, viewer } = await pageRepository(deps, request);
    const { rows, total } = await pageEvents(deps.sql, repo.id, {}, pageWindow(request.query.page));
    return sendPage(reply, page({
      title: `Events of ${repo.owner}/${repo.name}`, viewer,
      crumbs: [{ href: '/', label: 'Repositories' }, { href: repositoryPath(repo), label: `${repo.owner}/${repo.name}` }],
      jsonUrl: `${apiRepositoryPath(repo)}/events`,
    }, html`
      <p class="muted">${total} event(s), newest first. An event starts the workflows it matches; every other workflow says why it did not start.</p>
      ${rows.map((e) => eventItem(repo, presentEventRecord(e, pageUrls('', repo)), e.payload))}
      ${pager(eventsPath(repo), request.query.page, total)}
    `));
  });

  app.get<{ Params: { owner: string; repo: string; id: number } }>('/:owner/:repo/events/:id', { schema: { params: idPageParams } }, async (request, reply) => {
    const { repo, viewer } = await pageRepository(deps, request);
    const row = await findEventOf(deps.sql, repo.id, request.params.id);
    if (!row) throw new AppError('not_found', { what: `event ${request.params.id}` });
    return sendPage(reply, page({
      title: `Event #${row.id}`, viewer,
      crumbs: [{ href: '/', label: 'Repositories' }, { href: repositoryPath(repo), label: `${repo.owner}/${repo.name}` }, { href: eventsPath(repo), label: 'Events' }],
      jsonUrl: `${apiRepositoryPath(repo)}/events/${row.id}`,
    }, html`
      ${eventItem(repo, presentEventRecord(row, pageUrls('', repo)), row.payload, true)}
      <h2>Payload</h2>
      <pre>${JSON.stringify(row.payload, null, 2)}</pre>
    `));
  });
}
