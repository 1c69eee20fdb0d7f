import type { RunViewRow } from '../adapters/db/run-views.js';
import { statusName } from '../adapters/db/status.js';
import { durationInWords, elapsedMs } from '../core/dashboard/durations.js';
import { eventPath, runPath } from '../core/dashboard/page-paths.js';
import type { RepositoryName } from '../core/dashboard/page-paths.js';
import type { presentEventRecord } from '../http/routes/events.js';
import { html } from './html.js';
import type { SafeHtml } from './html.js';
import { refInWords, shortSha, statusBadge, when } from './layout.js';

// Pieces several pages show: a table of runs, an event with what it started and why the rest did not.

export function runsTable(repo: RepositoryName, runs: readonly RunViewRow[], now: Date): SafeHtml {
  if (runs.length === 0) return html`<p class="muted">No runs yet.</p>`;
  return html`<div class="table-wrap"><table>
    <thead><tr><th scope="col">Run</th><th scope="col">Status</th><th scope="col">Event</th><th scope="col" class="optional">Ref</th>
      <th scope="col" class="optional">Commit</th><th scope="col" class="optional">Started</th><th scope="col" class="optional">Took</th></tr></thead>
    <tbody>${runs.map((r) => {
      const took = elapsedMs(r.started_at, r.stopped_at, now);
      return html`<tr>
        <td><a href="${runPath(repo, r.id)}">${r.workflow_name} #${r.run_number}</a>${r.title && r.title !== r.workflow_name ? html`<br><span class="muted">${r.title}</span>` : ''}</td>
        <td>${statusBadge(statusName(r.status))}</td>
        <td>${r.trigger_event}</td>
        <td class="optional">${refInWords(r.ref)}</td>
        <td class="optional">${shortSha(r.commit_sha)}</td>
        <td class="optional">${when(r.started_at ?? r.created_at)}</td>
        <td class="optional">${took === null ? '' : durationInWords(took)}</td>
      </tr>`;
    })}</tbody></table></div>`;
}

type PresentedEvent = ReturnType<typeof presentEventRecord>;

/** What the event is about, in a few words: a push's ref and commits, a pull request's branches. */
export function eventSubject(kind: string, payload: Record<string, unknown>): string {
  const text = (key: string) => (typeof payload[key] === 'string' ? (payload[key] as string) : null);
  if (kind === 'push') {
    const ref = text('ref');
    const [before, after] = [text('before'), text('after')].map((s) => (s === null ? '?' : s.slice(0, 10)));
    return ref === null ? '' : `${refInWords(ref)}: ${before} → ${after}`;
  }
  if (kind === 'schedule') return `${text('cron') ?? ''} at ${text('scheduled_at') ?? '?'}`;
  if (kind === 'pull_request') return `${text('action') ?? ''} ${text('head_ref') ?? ''} → ${text('base_ref') ?? ''}`.trim();
  return text('action') ?? text('ref') ?? '';
}

/** `openReasons`: show why each other workflow did not start even when some did (an event's own page). */
export function eventItem(repo: RepositoryName, e: PresentedEvent, payload: Record<string, unknown>, openReasons = false): SafeHtml {
  return html`<article class="event" aria-labelledby="event-${e.event_id}">
    <h3 id="event-${e.event_id}"><a href="${eventPath(repo, e.event_id)}">#${e.event_id} ${e.event}</a> ${statusBadge(e.status)}
      <span class="muted">${eventSubject(e.event, payload)}</span></h3>
    <p class="muted">received ${when(e.received_at)} by the ${e.source}${e.attempts > 1 ? `, ${e.attempts} attempts` : ''}</p>
    ${e.error === null ? '' : html`<p class="error">Error: ${e.error}</p>`}
    ${e.runs.length === 0 ? (e.status === 'processed' && !e.resumed?.length ? html`<p>Started no run.</p>` : '') : html`<p>Started:
      ${e.runs.map((r, i) => html`${i > 0 ? ', ' : ''}<a href="${runPath(repo, r.run_id)}">${r.workflow.name} #${r.run_number}</a>`)}</p>`}
    ${e.resumed === undefined || e.resumed.length === 0 ? '' : html`<p>Went to the runs it replies to:
      ${e.resumed.map((r, i) => html`${i > 0 ? ', ' : ''}<a href="${runPath(repo, r.run_id)}">${r.workflow.name} #${r.run_number}</a>${r.delivered_to === null ? ' (kept for its next wait)' : ` (wait ${r.delivered_to})`}`)}</p>`}
    ${e.skipped.length === 0 ? '' : html`<details${e.runs.length === 0 || openReasons ? ' open' : ''}><summary>${e.skipped.length} workflow(s) not started, and why</summary>
      <ul>${e.skipped.map((s) => html`<li><strong>${s.name}</strong> <span class="muted mono">${s.path}</span>: ${s.reason}</li>`)}</ul></details>`}
  </article>`;
}
