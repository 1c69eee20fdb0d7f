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

/** last_seen_at is written at most this often, so that a busy runner's claims do not each cost a write. */
export const SEEN_EVERY_SECONDS = 30;

/**
 * The runner holding this token hash; null for an unknown token. Marks it seen, writing at most every
 * SEEN_EVERY_SECONDS.
 */
export async function touchRunner(db: Queryable, tokenHash: string): Promise<RunnerRow | null> {
  const [row] = await db<RunnerRow[]>`
    with runner as (
      select id, name, labels, token_hash, version, last_seen_at from runners where token_hash = ${tokenHash}
    ), seen as (
      update runners r set last_seen_at = now() from runner
      where r.id = runner.id and (runner.last_seen_at is null or runner.last_seen_at < now() - make_interval(secs => ${SEEN_EVERY_SECONDS}))
    )
    select id, name, labels, token_hash, version from runner`;
  return row ?? null;
}

/** A runner by id (rows never change after registration). */
export async function runnerById(db: Queryable, id: number): Promise<RunnerRow | null> {
  const [row] = await db<RunnerRow[]>`select id, name, labels, token_hash, version from runners where id = ${id}`;
  return row ?? null;
}

/**
 * Online: seen within `onlineSeconds` (the lease, plus the coarseness of last_seen_at), or holding a task whose
 * lease still runs (a runner busy with one long task makes no other call with its own token).
 */
const online = (db: Queryable, onlineSeconds: number) => db`(
  r.last_seen_at > now() - make_interval(secs => ${onlineSeconds + SEEN_EVERY_SECONDS})
  or exists (select 1 from workflow_tasks lt where lt.runner_id = r.id and lt.status = ${STATUS.running} and lt.lease_expires_at > now()))`;

export interface RunnerViewRow {
  id: number;
  name: string;
  labels: string[];
  version: string | null;
  last_seen_at: Date | null;
  created_at: Date;
  online: boolean;
  /** The tasks it runs now, oldest first. */
  tasks: Array<{ id: number; job_name: string; run_id: number; run_number: number; owner: string; repo: string }>;
}

/** Registered runners, newest first, each with whether it is online and the tasks it runs. */
export async function pageRunners(
  db: Queryable, onlineSeconds: number, page: { limit: number; offset: number },
): Promise<{ rows: RunnerViewRow[]; total: number }> {
  const [rows, count] = await Promise.all([
    db<RunnerViewRow[]>`
      select r.id, r.name, r.labels, r.version, r.last_seen_at, r.created_at, ${online(db, onlineSeconds)} as online,
        coalesce((
          select json_agg(json_build_object('id', t.id, 'job_name', j.name, 'run_id', wr.id, 'run_number', wr.run_number,
            'owner', rp.owner, 'repo', rp.name) order by t.id)
          from workflow_tasks t join workflow_jobs j on j.id = t.job_id join workflow_runs wr on wr.id = j.run_id
            join repositories rp on rp.id = wr.repository_id
          where t.runner_id = r.id and t.status = ${STATUS.running}), '[]') as tasks
      from runners r order by r.id desc limit ${page.limit} offset ${page.offset}`,
    db<{ n: number }[]>`select count(*)::int as n from runners`,
  ]);
  return { rows, total: count[0]?.n ?? 0 };
}

/** How many online runners carry every label of each `runs_on` (one count per label set, in order). */
export async function countFittingRunners(db: Queryable, runsOn: readonly string[][], onlineSeconds: number): Promise<number[]> {
  if (runsOn.length === 0) return [];
  const rows = await db<{ i: number; n: number }[]>`
    select wanted.i::int as i, (select count(*)::int from runners r where r.labels @> wanted.labels and ${online(db, onlineSeconds)}) as n
    from jsonb_array_elements(${db.json(runsOn as string[][])}::jsonb) with ordinality as wanted(labels, i)`;
  return runsOn.map((_, index) => rows.find((row) => row.i === index + 1)?.n ?? 0);
}
