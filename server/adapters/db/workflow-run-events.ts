import type { ReportedRun, WorkflowRunType } from '../../core/trigger/workflow-run.js';
import type { Queryable } from './queryable.js';
import { statusName } from './status.js';

// What a workflow_run event needs to know about the run it reports, read only for runs some workflow follows.

export type FollowedRun = ReportedRun & { repository_id: number };

/**
 * The runs among these (or the runs of these tasks) whose workflow an active definition of their repository follows
 * with a `workflow_run` trigger of this type. For the many runs nobody follows, this one statement is all it costs.
 */
export async function followedRuns(db: Queryable, of: readonly number[] | { taskIds: readonly number[] }, type: WorkflowRunType): Promise<FollowedRun[]> {
  const runIds = 'taskIds' in of
    ? db`select j.run_id from workflow_tasks t join workflow_jobs j on j.id = t.job_id where t.id = any(${of.taskIds as number[]}::bigint[])`
    : of.length === 0 ? null : db`select unnest(${of as number[]}::bigint[])`;
  if (runIds === null) return [];
  const rows = await db<Array<Omit<FollowedRun, 'status'> & { status: number }>>`
    select r.id, r.repository_id, r.run_number, r.run_attempt, r.workflow_name, r.workflow_path, r.function_name,
      r.trigger_event, r.status, r.ref, r.commit_sha, r.event_id, r.parent_run_id, r.depth, r.created_at, r.started_at,
      r.stopped_at
    from workflow_runs r
    where r.id in (${runIds}) and exists (
      select 1 from workflow_definitions d, jsonb_array_elements(d.triggers) t
      where d.repository_id = r.repository_id and d.state = 'active' and t->>'event' = 'workflow_run'
        and t->'workflows' ? r.workflow_name and t->'types' ? ${type})
    order by r.id`;
  return rows.map((row) => ({ ...row, status: statusName(row.status) }));
}

/** Heard by every replica's trigger loop: a repository has a new pending event that no in-process door kicked. */
export const EVENTS_CHANNEL = 'plue_events';

/** Sent at commit. */
export async function notifyEventsPending(db: Queryable, repositoryId: number): Promise<void> {
  await db`select pg_notify(${EVENTS_CHANNEL}, ${String(repositoryId)})`;
}
