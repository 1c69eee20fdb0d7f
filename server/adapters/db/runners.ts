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

/** The runner holding this token hash, marked as seen now; null for an unknown token. */
export async function touchRunner(db: Queryable, tokenHash: string): Promise<RunnerRow | null> {
  const [row] = await db<RunnerRow[]>`
    update runners set last_seen_at = now() where token_hash = ${tokenHash}
    returning id, name, labels, token_hash, version`;
  return row ?? null;
}
