import type { ServerResponse } from 'node:http';
import { readTaskLogRange, taskLogProgress } from '../adapters/db/logs.js';
import type { Sql } from '../adapters/db/connect.js';
import { isFinishedStatus, statusName } from '../adapters/db/status.js';
import { serverSentEvent } from '../core/dashboard/stream-start.js';
import type { TaskLogNotifier } from './log-notifier.js';

// A task's log as server-sent events: the stored lines from `start` on, then each line as it is stored, `status`
// when the task's or its run's status changes (a claim, the run's end), then `end` with both once the task has
// finished and every line was sent. Each line's event id is its
// line number, so a browser that reconnects resumes after the last line it got.

const BATCH = 1000;
// A fallback look when no notification came (a task ended by a sweep, a lost LISTEN); also keeps proxies awake.
const QUIET_MS = 10_000;

export async function streamTaskLog(
  out: ServerResponse, deps: { sql: Sql; logs: TaskLogNotifier }, taskId: number, start: number, closed: AbortSignal,
): Promise<void> {
  out.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no',
  });
  out.write('retry: 1000\n\n');
  let next = start;
  let lastStatuses = '';
  while (!closed.aborted) {
    const wait = deps.logs.next(taskId, QUIET_MS, closed);
    await wait.ready.catch(() => undefined);
    const lines = await readTaskLogRange(deps.sql, taskId, next, BATCH);
    for (const line of lines) out.write(serverSentEvent('line', { step: line.step, content: line.content }, line.line_no));
    next = lines.at(-1) === undefined ? next : lines.at(-1)!.line_no + 1;
    if (lines.length === BATCH) continue; // more stored already; the wait ends by itself
    const progress = await taskLogProgress(deps.sql, taskId);
    const statuses = progress === null
      ? { status: 'unknown', run_status: 'unknown' }
      : { status: statusName(progress.status), run_status: statusName(progress.run_status) };
    if (progress === null || (isFinishedStatus(progress.status) && next >= progress.log_lines)) {
      out.write(serverSentEvent('end', statuses));
      break;
    }
    const shown = `${statuses.status}/${statuses.run_status}`;
    if (shown !== lastStatuses) out.write(serverSentEvent('status', statuses));
    lastStatuses = shown;
    await wait.woken;
    if (!closed.aborted) out.write(': still here\n\n');
  }
  out.end();
}
