import type { Queryable } from './queryable.js';

// workflow_schedules: one row per schedule of an active workflow of the default branch (see migration 0005).

export interface ScheduleKey {
  workflow_definition_id: number;
  cron: string;
  timezone: string;
}

/**
 * Makes the repository's schedules those of its active definitions' `schedule` triggers. A new one starts counting
 * from `now` (an instant from before the schedule existed never fires); one that stays keeps its state; one whose
 * workflow changed its cron or time zone, became invalid or was deleted goes, and with it its next instant.
 */
export async function syncSchedules(db: Queryable, repositoryId: number | readonly number[], now: Date): Promise<void> {
  const ids = typeof repositoryId === 'number' ? [repositoryId] : [...repositoryId];
  await db`
    with wanted as (
      select distinct d.repository_id, d.id as workflow_definition_id, t->>'cron' as cron, coalesce(t->>'timezone', 'UTC') as timezone
      from workflow_definitions d cross join jsonb_array_elements(d.triggers) t
      where d.repository_id = any(${ids}::bigint[]) and d.state = 'active' and t->>'event' = 'schedule'
    ), gone as (
      delete from workflow_schedules s
      where s.repository_id = any(${ids}::bigint[])
        and not exists (
          select 1 from wanted w
          where w.workflow_definition_id = s.workflow_definition_id and w.cron = s.cron and w.timezone = s.timezone)
    )
    insert into workflow_schedules (repository_id, workflow_definition_id, cron, timezone, checked_through)
    select repository_id, workflow_definition_id, cron, timezone, ${now} from wanted
    on conflict (workflow_definition_id, timezone, cron) do nothing`;
}

export interface DueSchedule extends ScheduleKey {
  id: number;
  repository_id: number;
  checked_through: Date;
  workflow_path: string;
  function_name: string;
  workflow_name: string;
}

/**
 * Schedules due at `now` (or whose next instant is not worked out yet), locked for this transaction. SKIP LOCKED
 * lets every replica's scheduler run at once without waiting for the others.
 */
export async function lockDueSchedules(db: Queryable, now: Date, limit: number): Promise<DueSchedule[]> {
  return db<DueSchedule[]>`
    select s.id, s.repository_id, s.workflow_definition_id, s.cron, s.timezone, s.checked_through,
      d.file_path as workflow_path, d.function_name, d.name as workflow_name
    from workflow_schedules s join workflow_definitions d on d.id = s.workflow_definition_id
      join repositories p on p.id = s.repository_id and p.state = 'active'
    where s.next_at is null or s.next_at <= ${now}
    order by s.next_at nulls first
    limit ${limit}
    for update of s skip locked`;
}

export async function saveScheduleCheck(
  db: Queryable,
  id: number,
  check: { checked_through: Date; next_at: Date | null; fired?: { instant: Date; event_id: number | null } },
): Promise<void> {
  await db`
    update workflow_schedules
    set checked_through = ${check.checked_through}, next_at = ${check.next_at},
      last_instant = coalesce(${check.fired?.instant ?? null}::timestamptz, last_instant),
      last_event_id = coalesce(${check.fired?.event_id ?? null}::bigint, last_event_id)
    where id = ${id}`;
}

/**
 * When the scheduler next has something to do: the earliest instant, or now when one is not worked out yet.
 * Schedules of a repository no longer on disk wait until it is back.
 */
export async function earliestScheduleInstant(db: Queryable): Promise<Date | null> {
  const [row] = await db<{ next_at: Date | null; pending: boolean }[]>`
    select
      (select s.next_at from workflow_schedules s join repositories p on p.id = s.repository_id and p.state = 'active'
        where s.next_at is not null order by s.next_at limit 1) as next_at,
      exists (select 1 from workflow_schedules s join repositories p on p.id = s.repository_id and p.state = 'active'
        where s.next_at is null) as pending`;
  if (!row) return null;
  return row.pending ? new Date(0) : row.next_at;
}

export interface ScheduleView extends ScheduleKey {
  id: number;
  workflow_path: string;
  function_name: string;
  workflow_name: string;
  next_at: Date | null;
  last_instant: Date | null;
  last_run: { id: number; run_number: number; status: number } | null;
  created_at: Date;
}

export async function listSchedules(db: Queryable, repositoryId: number): Promise<ScheduleView[]> {
  return db<ScheduleView[]>`
    select s.id, s.workflow_definition_id, s.cron, s.timezone, s.next_at, s.last_instant, s.created_at,
      d.file_path as workflow_path, d.function_name, d.name as workflow_name,
      (select json_build_object('id', r.id, 'run_number', r.run_number, 'status', r.status)
        from workflow_runs r where r.event_id = s.last_event_id order by r.id limit 1) as last_run
    from workflow_schedules s join workflow_definitions d on d.id = s.workflow_definition_id
    where s.repository_id = ${repositoryId}
    order by d.file_path, d.function_name, s.id`;
}
