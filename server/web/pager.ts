import { html } from './html.js';
import type { SafeHtml } from './html.js';

// Paged lists: which rows a `?page=` shows, and the links to the pages around it.

export const PER_PAGE = 50;

export const pageWindow = (pageNumber: number) => ({ limit: PER_PAGE, offset: (pageNumber - 1) * PER_PAGE });

export function pager(path: string, pageNumber: number, total: number): SafeHtml {
  const last = Math.max(1, Math.ceil(total / PER_PAGE));
  if (last === 1) return html``;
  return html`<nav aria-label="Pages"><p>
    ${pageNumber > 1 ? html`<a href="${path}?page=${pageNumber - 1}" rel="prev">Newer</a>` : ''}
    Page ${pageNumber} of ${last}
    ${pageNumber < last ? html`<a href="${path}?page=${pageNumber + 1}" rel="next">Older</a>` : ''}
  </p></nav>`;
}
