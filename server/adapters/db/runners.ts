import type { Queryable } from './queryable.js';

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
