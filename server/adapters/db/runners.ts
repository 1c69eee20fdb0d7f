import type { Queryable } from './queryable.js';
import { STATUS } from './status.js';

// runners: registered runners. Only a hash of each runner's token is stored.

export interface RunnerRow {
  id: number;
  name: string;
  labels: string[];
  token_hash: string;
  version: string | null;
}

export async function insertRunner(
  db: Queryable,
  runner: { name: string; labels: string[]; version: string | null; tokenHash: string },
): Promise<RunnerRow> {
  const [row] = await db<RunnerRow[]>`
    insert into runners (name, labels, token_hash, version, last_seen_at)
    values (${runner.name}, ${db.json(runner.labels)}, ${runner.tokenHash}, ${runner.version}, now())
    returning id, name, labels, token_hash, version`;
  return row!;
}

/**
 * The runner holding this token hash; null for an unknown token. Marks it seen, writing at most every 30 s so that
 * a busy runner's claims do not each cost a write.
 */
export async function touchRunner(db: Queryable, tokenHash: string): Promise<RunnerRow | null> {
  const [row] = await db<RunnerRow[]>`
    with runner as (
      select id, name, labels, token_hash, version, last_seen_at from runners where token_hash = ${tokenHash}
    ), seen as (
      update runners r set last_seen_at = now() from runner
      where r.id = runner.id and (runner.last_seen_at is null or runner.last_seen_at < now() - interval '30 seconds')
    )
    select id, name, labels, token_hash, version from runner`;
  return row ?? null;
}

export interface RunnerViewRow {
  id: number;
  name: string;
  labels: string[];
  version: string | null;
  last_seen_at: Date | null;
  online: boolean;
  online_window_seconds: number;
  /** The tasks it runs now. */
  tasks: Array<{ task_id: number; run_id: number; run_number: number; workflow_name: string; owner: string; name: string }>;
}

// A runner asks for work (a long poll of at most a minute) and is marked seen at most every 30 s.
const ONLINE_WINDOW_SECONDS = 120;

/** Every runner, with whether it was seen lately and the tasks it holds (the dashboard's runners page). */
export async function listRunners(db: Queryable, limit = 1000): Promise<RunnerViewRow[]> {
  return db<RunnerViewRow[]>`
    select rn.id, rn.name, rn.labels, rn.version, rn.last_seen_at,
      coalesce(rn.last_seen_at > now() - make_interval(secs => ${ONLINE_WINDOW_SECONDS}), false) as online,
      ${ONLINE_WINDOW_SECONDS}::int as online_window_seconds,
      coalesce((
        select json_agg(json_build_object('task_id', t.id, 'run_id', w.id, 'run_number', w.run_number, 'workflow_name', w.workflow_name,
          'owner', p.owner, 'name', p.name) order by t.id)
        from workflow_tasks t join workflow_jobs j on j.id = t.job_id join workflow_runs w on w.id = j.run_id
          join repositories p on p.id = w.repository_id
        where t.runner_id = rn.id and t.status = ${STATUS.running}), '[]') as tasks
    from runners rn order by rn.name, rn.id limit ${limit}`;
}
