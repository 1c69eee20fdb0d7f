import { RUNNERS_PATH } from '../core/dashboard/page-paths.js';
import { instantInWords } from '../core/dashboard/durations.js';
import { html } from './html.js';
import type { HtmlValue, SafeHtml } from './html.js';
import type { Viewer } from './session.js';

// The frame of every page: site header with navigation and who is signed in, breadcrumbs, the page, a link to the
// page's JSON. Semantic HTML; styles and script come from /assets (no inline ones: see the CSP in register.ts).

export interface PageFrame {
  title: string;
  viewer: Viewer;
  /** Links above the title, most general first. */
  crumbs?: Array<{ href: string; label: string }>;
  /** The same data in the user API. */
  jsonUrl?: string;
}

export function page(frame: PageFrame, body: HtmlValue): SafeHtml {
  const { viewer } = frame;
  const who = viewer.token === null
    ? html`<a href="/sign-in">Sign in</a>`
    : html`<span>Signed in with token <strong>${viewer.token.name || `#${viewer.token.id}`}</strong> (${viewer.token.scope}${viewer.token.read_only ? ', read-only' : ''})</span>
      <form class="inline" method="post" action="/sign-out">${csrfField(viewer)}<button type="submit">Sign out</button></form>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${frame.title} · plue-trigger</title>
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/dashboard.css">
<script src="/assets/dashboard.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to the page</a>
<header class="site">
  <a class="brand" href="/">plue-trigger</a>
  <nav aria-label="Site"><a href="/">Repositories</a><a href="${RUNNERS_PATH}">Runners</a></nav>
  <div class="who">${who}</div>
</header>
<main id="main">
${frame.crumbs && frame.crumbs.length > 0 ? html`<nav class="crumbs" aria-label="Breadcrumb">${frame.crumbs.map((c, i) => html`${i > 0 ? ' / ' : ''}<a href="${c.href}">${c.label}</a>`)}</nav>` : ''}
<h1>${frame.title}</h1>
${body}
${frame.jsonUrl ? html`<p class="json"><a href="${frame.jsonUrl}" rel="alternate" type="application/json">This page as JSON</a></p>` : ''}
</main>
</body>
</html>`;
}

export function csrfField(viewer: Viewer): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${viewer.csrf}">`;
}

/** A status as a badge: its word, coloured by the stylesheet. */
export function statusBadge(status: string, id?: string): SafeHtml {
  return html`<span class="status status-${status}"${id ? html` id="${id}"` : ''}>${status}</span>`;
}

export function when(at: Date | string | null): SafeHtml {
  if (at === null) return html`<span class="muted">—</span>`;
  const date = at instanceof Date ? at : new Date(at);
  return html`<time datetime="${date.toISOString()}">${instantInWords(date)}</time>`;
}

export function shortSha(sha: string): SafeHtml {
  return html`<code title="${sha}">${sha.slice(0, 10)}</code>`;
}

export { refInWords } from '../core/trigger/push-feedback.js';
