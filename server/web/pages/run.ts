import type { FastifyInstance } from 'fastify';
import { readTaskLogRange } from '../../adapters/db/logs.js';
import { childRunsOf, jobsOfRun } from '../../adapters/db/run-views.js';
import { isFinishedStatus } from '../../adapters/db/status.js';
import { durationInWords, elapsedMs } from '../../core/dashboard/durations.js';
import { apiRepositoryPath, eventPath, repositoryPath, runPath, taskLogStreamPath, workflowPath } from '../../core/dashboard/page-paths.js';
import type { RepositoryName } from '../../core/dashboard/page-paths.js';
import { streamStart } from '../../core/dashboard/stream-start.js';
import { pageUrls } from '../../http/page-urls.js';
import { presentRunDetail } from '../../http/present.js';
import { cancelRun, rerunRun, runOrNotFound } from '../../services/api/run-actions.js';
import { AppError, invalid } from '../../services/errors/app-error.js';
import { html } from '../html.js';
import type { SafeHtml } from '../html.js';
import { csrfField, page, refInWords, shortSha, statusBadge, when } from '../layout.js';
import { streamTaskLog } from '../log-stream.js';
import type { WebDeps } from '../register.js';
import { checkCsrf } from '../session.js';
import { pageRepository, sendPage } from '../web-repository.js';
import { idPageParams, taskPageParams } from './params.js';

// A run: what started it and why, its concurrency group, its jobs and their attempts with timings and logs (live
// while a task runs, through the task's log stream), and cancel / re-run for a viewer allowed to write.

/** Lines of a task shown in the page; the rest is in the JSON (`…/logs?offset=`). */
const PAGE_LOG_LINES = 5000;
const formBody = {
  type: 'object', additionalProperties: false, properties: { csrf: { type: 'string', maxLength: 200 } },
} as const;
const streamQuery = {
  type: 'object', additionalProperties: false, properties: { from: { type: 'string', maxLength: 20 } },
} as const;

type Run = ReturnType<typeof presentRunDetail>;
type Params = { owner: string; repo: string; id: number };

function cause(repo: RepositoryName, run: Run): SafeHtml {
  const payload = (run.payload ?? {}) as Record<string, unknown>;
  const parts: SafeHtml[] = [];
  if (run.rerun_of !== null) parts.push(html`a re-run of <a href="${runPath(repo, run.rerun_of)}">run ${run.rerun_of}</a> (attempt ${run.run_attempt})`);
  if (run.parent_run_id !== null) parts.push(html`started by <a href="${runPath(repo, run.parent_run_id)}">run ${run.parent_run_id}</a> (handoff depth ${run.depth})`);
  if (run.event === 'schedule' && typeof payload.scheduled_at === 'string') parts.push(html`the schedule's instant ${when(payload.scheduled_at)}`);
  else if (run.event === 'manual') parts.push(html`started by hand`);
  else if (run.event === 'dispatch' && run.parent_run_id === null) parts.push(html`a dispatch`);
  else if (run.event === 'push') parts.push(html`a push to ${refInWords(run.ref)}`);
  else if (run.parent_run_id === null) parts.push(html`a ${run.event} event`);
  return html`${parts.map((p, i) => html`${i > 0 ? '; ' : ''}${p}`)}`;
}

export function registerRunPage(app: FastifyInstance, deps: WebDeps): void {
  app.get<{ Params: Params }>('/:owner/:repo/runs/:id', { schema: { params: idPageParams } }, async (request, reply) => {
    const { repo, viewer, canWrite } = await pageRepository(deps, request);
    const found = await runOrNotFound(deps.sql, repo.id, request.params.id);
    const [jobs, children] = await Promise.all([jobsOfRun(deps.sql, found.id), childRunsOf(deps.sql, found.id)]);
    const run = presentRunDetail(found, jobs, children, pageUrls('', repo));
    const logs = new Map(await Promise.all(jobs.flatMap((j) => j.tasks).map(async (t) =>
      [t.id, await readTaskLogRange(deps.sql, t.id, 0, PAGE_LOG_LINES)] as const)));
    const now = deps.clock?.() ?? new Date();
    const took = (t: { started_at: Date | null; stopped_at: Date | null }) => {
      const ms = elapsedMs(t.started_at, t.stopped_at, now);
      return ms === null ? '' : `${t.stopped_at === null ? 'running for' : 'took'} ${durationInWords(ms)}`;
    };
    const finished = isFinishedStatus(found.status);
    const api = `${apiRepositoryPath(repo)}/runs/${run.id}`;
    return sendPage(reply, page({
      title: `${run.workflow.name} #${run.run_number}`, viewer,
      crumbs: [{ href: '/', label: 'Repositories' }, { href: repositoryPath(repo), label: `${repo.owner}/${repo.name}` }],
      jsonUrl: api,
    }, html`
      <p>${statusBadge(run.status, 'run-status')} ${run.status_reason === null ? '' : html`<span>${run.status_reason}</span>`}</p>
      <dl class="facts">
        <dt>Workflow</dt><dd>${run.workflow.id === null ? run.workflow.name : html`<a href="${workflowPath(repo, run.workflow.id)}">${run.workflow.name}</a>`}
          <span class="muted mono">${run.workflow.path}</span></dd>
        <dt>Event</dt><dd>${run.event_id === null ? run.event : html`<a href="${eventPath(repo, run.event_id)}">${run.event} #${run.event_id}</a>`}</dd>
        <dt>Cause</dt><dd>${cause(repo, run)}</dd>
        <dt>Ref</dt><dd>${refInWords(run.ref)}</dd>
        <dt>Commit</dt><dd>${shortSha(run.commit_sha)}${run.title && run.title !== run.workflow.name ? html` <span class="muted">${run.title}</span>` : ''}</dd>
        ${run.concurrency === null ? '' : html`<dt>Concurrency</dt><dd>group <code>${run.concurrency.group}</code>
          (${run.concurrency.queue === 'max' ? 'queued in order' : 'the newest pending run waits'}${run.concurrency.cancel_in_progress ? ', cancels the run in progress' : ''})
          ${run.concurrency.waiting_for === null ? '' : html`; waits for <a href="${runPath(repo, run.concurrency.waiting_for.id)}">run #${run.concurrency.waiting_for.run_number}</a>`}
          ${run.concurrency.ahead ? html`, ${run.concurrency.ahead} ahead of it` : ''}</dd>`}
        ${run.waiting_for === null ? '' : html`<dt>Waiting for</dt><dd>the event <code>${run.waiting_for.name}</code> since ${when(run.waiting_for.since)}, until ${when(run.waiting_for.until)}</dd>`}
        ${Object.keys(run.inputs).length === 0 ? '' : html`<dt>Inputs</dt><dd><code>${JSON.stringify(run.inputs)}</code></dd>`}
        <dt>Created</dt><dd>${when(run.created_at)}</dd>
        <dt>Started</dt><dd>${when(run.started_at)} ${took(found)}</dd>
        <dt>Stopped</dt><dd>${when(run.stopped_at)}</dd>
        ${run.children.length === 0 ? '' : html`<dt>Started runs</dt><dd>${run.children.map((c, i) => html`${i > 0 ? ', ' : ''}<a href="${runPath(repo, c.id)}">${c.workflow} #${c.run_number}</a> ${statusBadge(c.status)}`)}</dd>`}
      </dl>
      ${canWrite ? html`<div class="actions">
        ${finished ? '' : html`<form method="post" action="${runPath(repo, run.id)}/cancel">${csrfField(viewer)}<button type="submit" class="danger">Cancel run</button></form>`}
        ${finished ? html`<form method="post" action="${runPath(repo, run.id)}/rerun">${csrfField(viewer)}<button type="submit">Re-run</button></form>` : ''}
      </div>` : ''}
      ${run.jobs.map((job) => html`<section aria-labelledby="job-${job.id}">
        <h2 id="job-${job.id}">${job.name} ${statusBadge(job.status)}</h2>
        <p class="muted">${job.runs_on.length === 0 ? 'any runner' : `runs on ${job.runs_on.join(', ')}`}${took(job) === '' ? '' : ` · ${took(job)}`}</p>
        ${job.tasks.length === 0 ? html`<p class="muted">Not started yet.</p>` : job.tasks.map((task, i) => {
          const lines = logs.get(task.id) ?? [];
          const live = task.status === 'waiting' || task.status === 'running';
          const next = (lines.at(-1)?.line_no ?? -1) + 1;
          return html`<details${i === job.tasks.length - 1 ? ' open' : ''}>
            <summary>Attempt ${task.attempt} ${statusBadge(task.status, `task-${task.id}-status`)}
              ${task.runner === null ? '' : html`on ${task.runner.name ?? `runner ${task.runner.id}`}`}${took(task) === '' ? '' : ` · ${took(task)}`}
              ${task.end_reason !== null && task.end_reason !== 'runner' ? html` · ended: ${task.end_reason}` : ''}</summary>
            ${task.waiting_on === null ? '' : html`<p>Waiting on ${task.waiting_on}</p>`}
            <pre class="log" aria-label="log of ${job.name}, attempt ${task.attempt}" data-task="${task.id}"
              ${live ? html`data-stream="${taskLogStreamPath(repo, run.id, task.id)}" data-next="${next}" data-status-id="task-${task.id}-status"` : ''}
              >${lines.map((l) => `${l.content}\n`)}</pre>
            ${task.log_lines > lines.length ? html`<p class="muted">The first ${lines.length} of ${task.log_lines} lines; <a href="${api}/logs?attempt=${task.attempt}&offset=${lines.length}">the rest as JSON</a>.</p>` : ''}
            ${task.log_truncated ? html`<p class="muted">The runner sent more than the log limit; later lines were dropped.</p>` : ''}
          </details>`;
        })}
      </section>`)}
      <p class="json">JSON: <a href="${api}/logs">logs</a></p>
    `));
  });

  app.get<{ Params: Params & { task_id: number }; Querystring: { from?: string } }>('/:owner/:repo/runs/:id/tasks/:task_id/logs/stream', {
    schema: { params: taskPageParams, querystring: streamQuery },
  }, async (request, reply) => {
    const { repo } = await pageRepository(deps, request);
    const run = await runOrNotFound(deps.sql, repo.id, request.params.id);
    const task = (await jobsOfRun(deps.sql, run.id)).flatMap((j) => j.tasks).find((t) => t.id === request.params.task_id);
    if (!task) throw new AppError('not_found', { what: `task ${request.params.task_id} of run ${run.id}` });
    const lastEventId = request.headers['last-event-id'];
    const start = streamStart(typeof lastEventId === 'string' ? lastEventId : undefined, request.query.from);
    if (start === null) {
      throw invalid('invalid_request', [{ part: 'query', field: 'from', code: 'digits', message: 'from and Last-Event-ID must be line numbers, in digits' }]);
    }
    const closed = new AbortController();
    request.raw.once('close', () => closed.abort());
    reply.hijack();
    await streamTaskLog(reply.raw, deps, task.id, start, closed.signal).catch((error: unknown) => {
      request.log.warn({ err: error }, 'live log stream failed');
      reply.raw.destroy();
    });
  });

  app.post<{ Params: Params; Body: { csrf: string } }>('/:owner/:repo/runs/:id/cancel', { schema: { params: idPageParams, body: formBody } }, async (request, reply) => {
    const { repo, viewer } = await pageRepository(deps, request, 'write');
    checkCsrf(viewer, request.body);
    await cancelRun(deps.sql, repo.id, request.params.id, { token_id: viewer.token!.id });
    return reply.redirect(runPath(repo, request.params.id), 303);
  });

  app.post<{ Params: Params; Body: { csrf: string } }>('/:owner/:repo/runs/:id/rerun', { schema: { params: idPageParams, body: formBody } }, async (request, reply) => {
    const { repo, viewer } = await pageRepository(deps, request, 'write');
    checkCsrf(viewer, request.body);
    const made = await rerunRun(deps.sql, repo.id, request.params.id, { token_id: viewer.token!.id });
    return reply.redirect(runPath(repo, made.run_id), 303);
  });
}
