import type postgres from 'postgres';
import type { CommitState } from '../../core/status/commit-status.js';
import type { Queryable } from './queryable.js';

// commit_statuses: what runs and broken workflow files say on commits. Append-only; the newest row of a
// (sha, context) is its current status. Every insert is picked up by the outbox trigger (migration 0007).

export interface NewCommitStatus {
  repository_id: number;
  sha: string;
  context: string;
  state: CommitState;
  description: string;
  run_id: number | null;
  target_path: string | null;
}

export interface CommitStatusRow extends NewCommitStatus {
  id: number;
  created_at: Date;
}

/** A run's next status; its commit, context and target are its first status's. */
export interface RunStatusChange {
  run_id: number;
  state: CommitState;
  description: string;
}

const COLUMNS = 'id, repository_id, sha, context, state, description, run_id, target_path, created_at';

/**
 * The statement that gives runs their next status, only where it differs from the run's latest one (so repeated
 * roll-ups add nothing). `changes` is a query of (run_id, state, description): a fragment, so that a statement
 * such as the claim can set a status in the same statement. A run with no status yet (made before statuses
 * existed) gets none.
 */
export function runStatusesFrom(db: Queryable, changes: postgres.PendingQuery<postgres.Row[]>): postgres.PendingQuery<postgres.Row[]> {
  return db`
    insert into commit_statuses (repository_id, sha, context, state, description, run_id, target_path)
    select s.repository_id, s.sha, s.context, c.state, c.description, s.run_id, s.target_path
    from (${changes}) c
    cross join lateral (
      select * from commit_statuses l where l.run_id = c.run_id order by l.id desc limit 1) s
    where (s.state, s.description) is distinct from (c.state::text, c.description::text)`;
}

export async function insertRunStatuses(db: Queryable, changes: readonly RunStatusChange[]): Promise<void> {
  if (changes.length === 0) return;
  await runStatusesFrom(db, db`
    select run_id, state, description
    from jsonb_to_recordset(${db.json(changes as never)}) as c(run_id bigint, state text, description text)`);
}

/**
 * A status that is set once per (commit, context) without a run (a workflow file's diagnostics): none is added
 * when one is there already, e.g. for the same commit pushed to another ref. Call it under the repository's
 * trigger lock, which keeps two writers of one repository from checking at once.
 */
export async function insertStatusOnce(db: Queryable, row: Omit<NewCommitStatus, 'run_id'>): Promise<boolean> {
  const inserted = await db`
    insert into commit_statuses (repository_id, sha, context, state, description, target_path)
    select ${row.repository_id}, ${row.sha}, ${row.context}, ${row.state}, ${row.description}, ${row.target_path}
    where not exists (
      select 1 from commit_statuses
      where repository_id = ${row.repository_id} and sha = ${row.sha} and context = ${row.context} and run_id is null)
    returning id`;
  return inserted.length > 0;
}

/** A commit's statuses, newest first. */
export async function listCommitStatuses(
  db: Queryable, repositoryId: number, sha: string, page: { limit: number; offset: number },
): Promise<CommitStatusRow[]> {
  return db<CommitStatusRow[]>`
    select ${db.unsafe(COLUMNS)} from commit_statuses
    where repository_id = ${repositoryId} and sha = ${sha}
    order by id desc limit ${page.limit} offset ${page.offset}`;
}

/** The newest status of each context of a commit, newest first. */
export async function latestCommitStatuses(db: Queryable, repositoryId: number, sha: string): Promise<CommitStatusRow[]> {
  return db<CommitStatusRow[]>`
    select * from (
      select distinct on (context) ${db.unsafe(COLUMNS)} from commit_statuses
      where repository_id = ${repositoryId} and sha = ${sha}
      order by context, id desc) latest
    order by id desc`;
}
