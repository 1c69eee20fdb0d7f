import type { ServerResponse } from 'node:http';
import { readTaskLogRange, taskLogProgress } from '../adapters/db/logs.js';
import type { Sql } from '../adapters/db/connect.js';
import { isFinishedStatus, statusName } from '../adapters/db/status.js';
import { serverSentEvent } from '../core/dashboard/stream-start.js';
import type { TaskLogNotifier } from './log-notifier.js';

// A task's log as server-sent events: the stored lines from `start` on, then each line as it is stored, then
// `end` with the task's and its run's status once it has finished and every line was sent. Each line's event id is its
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
  while (!closed.aborted) {
    const wait = deps.logs.next(taskId, QUIET_MS, closed);
    await wait.ready.catch(() => undefined);
    const lines = await readTaskLogRange(deps.sql, taskId, next, BATCH);
    for (const line of lines) out.write(serverSentEvent('line', { step: line.step, content: line.content }, line.line_no));
    next = lines.at(-1) === undefined ? next : lines.at(-1)!.line_no + 1;
    if (lines.length === BATCH) continue; // more stored already; the wait ends by itself
    const progress = await taskLogProgress(deps.sql, taskId);
    if (progress === null || (isFinishedStatus(progress.status) && next >= progress.log_lines)) {
      out.write(serverSentEvent('end', progress === null
        ? { status: 'unknown', run_status: 'unknown' }
        : { status: statusName(progress.status), run_status: statusName(progress.run_status) }));
      break;
    }
    await wait.woken;
    if (!closed.aborted) out.write(': still here\n\n');
  }
  out.end();
}
