import type { GroupRun, GroupState } from '../../core/concurrency/admission.js';
import type { Queryable } from './queryable.js';
import { STATUS } from './status.js';

// A concurrency group's runs in PostgreSQL. Every change of a group happens under its transaction-scoped advisory
// lock, taken before any of its runs' rows: admission (a new run), and starting the next run when one ends.

export interface GroupKey {
  repository_id: number;
  group: string;
}

export async function lockConcurrencyGroup(db: Queryable, key: GroupKey): Promise<void> {
  await db`select pg_advisory_xact_lock(hashtextextended('plue-trigger:group:' || ${key.repository_id}::text || ':' || ${key.group}, 0))`;
}

/** The group's unfinished runs, oldest first; `except` leaves out runs being admitted right now. */
export async function readGroup(db: Queryable, key: GroupKey, except: readonly number[] = []): Promise<GroupState> {
  const rows = await db<Array<GroupRun & { status: number }>>`
    select id, run_number as number, status from workflow_runs
    where repository_id = ${key.repository_id} and concurrency_group = ${key.group}
      and status in (${STATUS.waiting}, ${STATUS.running}, ${STATUS.blocked})
      and id <> all(${except as number[]}::bigint[])
    order by id`;
  const run = ({ id, number }: GroupRun): GroupRun => ({ id, number });
  return {
    inProgress: rows.filter((r) => r.status !== STATUS.blocked).map(run),
    pending: rows.filter((r) => r.status === STATUS.blocked).map(run),
  };
}

/** Holds a run that has not started back: its tasks, jobs and itself become blocked (runners never see them). */
export async function holdRun(db: Queryable, runId: number): Promise<void> {
  await db`
    with tasks as (
      update workflow_tasks t set status = ${STATUS.blocked}
      from workflow_jobs j where j.run_id = ${runId} and t.job_id = j.id and t.status = ${STATUS.waiting}
    ), jobs as (
      update workflow_jobs set status = ${STATUS.blocked} where run_id = ${runId} and status = ${STATUS.waiting}
    )
    update workflow_runs set status = ${STATUS.blocked} where id = ${runId} and status = ${STATUS.waiting}`;
}

/** Lets a held run go: its blocked tasks wait for runners. False when it was no longer held. */
export async function releaseHeldRun(db: Queryable, runId: number): Promise<boolean> {
  const [row] = await db<{ id: number }[]>`
    with run as (
      update workflow_runs set status = ${STATUS.waiting} where id = ${runId} and status = ${STATUS.blocked}
      returning id
    ), jobs as (
      update workflow_jobs j set status = ${STATUS.waiting} from run where j.run_id = run.id and j.status = ${STATUS.blocked}
    ), tasks as (
      update workflow_tasks t set status = ${STATUS.waiting}
      from workflow_jobs j join run on run.id = j.run_id
      where t.job_id = j.id and t.status = ${STATUS.blocked}
    )
    select id from run`;
  return row !== undefined;
}

/**
 * Groups with a held run and nothing in progress: the run that ended was not followed up (the process stopped
 * between its commit and starting the next one). The periodic sweep starts their next run.
 */
export async function stalledGroups(db: Queryable, limit: number): Promise<GroupKey[]> {
  return db<GroupKey[]>`
    select distinct b.repository_id, b.concurrency_group as "group" from workflow_runs b
    where b.status = ${STATUS.blocked} and b.concurrency_group is not null
      and not exists (
        select 1 from workflow_runs r
        where r.repository_id = b.repository_id and r.concurrency_group = b.concurrency_group
          and r.status in (${STATUS.waiting}, ${STATUS.running}))
    limit ${limit}`;
}
