import type { Queryable } from './queryable.js';
import { STATUS } from './status.js';

// task_logs: the ordered output of each task attempt. Line numbers count across the whole task (all steps), and
// workflow_tasks.log_lines is the next line number expected, so a retried append is recognised by its offset.

/** NOTIFY channel whose payload is a task id: lines were stored for the task, or it ended (the dashboard's live logs). */
export const LOGS_CHANNEL = 'plue_logs';

/** Sent in the append's transaction, so a listener that hears it can read the lines. */
export async function notifyTaskLog(db: Queryable, taskIds: number | readonly number[]): Promise<void> {
  const ids = typeof taskIds === 'number' ? [taskIds] : taskIds;
  if (ids.length === 0) return;
  await db`select pg_notify(${LOGS_CHANNEL}, id::text) from unnest(${ids as number[]}::bigint[]) id`;
}

export interface LogState {
  log_lines: number;
  log_bytes: number;
  log_truncated: boolean;
}

export interface LogLine {
  line_no: number;
  step: string;
  content: string;
}

/** Locks the task's log counters for an append by its lease holder; null when the token holds no live lease. */
export async function lockLogState(db: Queryable, taskId: number, tokenHash: string): Promise<LogState | null> {
  const [row] = await db<LogState[]>`
    select log_lines, log_bytes, log_truncated from workflow_tasks
    where id = ${taskId} and token_hash = ${tokenHash} and status = ${STATUS.running} and lease_expires_at > now()
    for update`;
  return row ?? null;
}

export async function insertLogLines(
  db: Queryable,
  taskId: number,
  step: string,
  firstLine: number,
  lines: readonly string[],
): Promise<void> {
  if (lines.length === 0) return;
  await db`
    insert into task_logs (task_id, step, line_no, content)
    select ${taskId}, ${step}, ${firstLine} + u.ord - 1, u.line
    from unnest(${db.array(lines as string[])}::text[]) with ordinality as u(line, ord)
    on conflict do nothing`;
  await notifyTaskLog(db, taskId);
}

export async function saveLogState(db: Queryable, taskId: number, state: LogState): Promise<void> {
  await db`
    update workflow_tasks
    set log_lines = ${state.log_lines}, log_bytes = ${state.log_bytes}, log_truncated = ${state.log_truncated}
    where id = ${taskId}`;
}

/** A line written by the service itself (e.g. why an attempt ended), after whatever the runner sent. */
export async function appendServiceLogLine(db: Queryable, taskId: number, content: string): Promise<void> {
  await db`
    with counter as (
      update workflow_tasks set log_lines = log_lines + 1, log_bytes = log_bytes + ${Buffer.byteLength(content)}
      where id = ${taskId}
      returning id, log_lines - 1 as line_no
    )
    insert into task_logs (task_id, step, line_no, content)
    select id, '', line_no, ${content} from counter
    on conflict do nothing`;
  await notifyTaskLog(db, taskId);
}

/** How far a task's log has come, whether the task is still going, and its run's status. */
export async function taskLogProgress(db: Queryable, taskId: number): Promise<{ status: number; log_lines: number; run_status: number } | null> {
  const [row] = await db<{ status: number; log_lines: number; run_status: number }[]>`
    select t.status, t.log_lines, r.status as run_status
    from workflow_tasks t join workflow_jobs j on j.id = t.job_id join workflow_runs r on r.id = j.run_id where t.id = ${taskId}`;
  return row ?? null;
}

export async function readTaskLog(db: Queryable, taskId: number): Promise<LogLine[]> {
  return db<LogLine[]>`select line_no, step, content from task_logs where task_id = ${taskId} order by line_no`;
}

/** Up to `limit` lines of a task from line number `offset` on. */
export async function readTaskLogRange(db: Queryable, taskId: number, offset: number, limit: number): Promise<LogLine[]> {
  return db<LogLine[]>`
    select line_no, step, content from task_logs
    where task_id = ${taskId} and line_no >= ${offset} order by line_no limit ${limit}`;
}
