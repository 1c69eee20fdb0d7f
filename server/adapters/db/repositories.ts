import type { Queryable } from './queryable.js';

// repositories, repository_counters and ref_states: what the service knows of each repository on disk.

export interface RepositoryRow {
  id: number;
  owner: string;
  name: string;
  path: string;
  default_branch: string | null;
  state: 'active' | 'removed';
}

export async function findRepository(db: Queryable, owner: string, name: string): Promise<RepositoryRow | null> {
  const [row] = await db<RepositoryRow[]>`
    select id, owner, name, path, default_branch, state from repositories where owner = ${owner} and name = ${name}`;
  return row ?? null;
}

export async function getRepository(db: Queryable, id: number): Promise<RepositoryRow | null> {
  const [row] = await db<RepositoryRow[]>`
    select id, owner, name, path, default_branch, state from repositories where id = ${id}`;
  return row ?? null;
}

/**
 * Inserts the repository if new. `created` tells whether this call inserted it. A known one gets its path and
 * state; its default branch is the registry's to keep (HEAD may name a branch that does not exist).
 */
export async function upsertRepository(
  db: Queryable,
  repo: { owner: string; name: string; path: string; default_branch: string | null },
): Promise<{ row: RepositoryRow; created: boolean }> {
  const [inserted] = await db<RepositoryRow[]>`
    insert into repositories (owner, name, path, default_branch)
    values (${repo.owner}, ${repo.name}, ${repo.path}, ${repo.default_branch})
    on conflict (owner, name) do nothing
    returning id, owner, name, path, default_branch, state`;
  if (inserted) {
    await db`insert into repository_counters (repository_id) values (${inserted.id}) on conflict do nothing`;
    return { row: inserted, created: true };
  }
  const [row] = await db<RepositoryRow[]>`
    update repositories
    set path = ${repo.path}, state = 'active', updated_at = now()
    where owner = ${repo.owner} and name = ${repo.name}
      and (path, state) is distinct from (${repo.path}, 'active')
    returning id, owner, name, path, default_branch, state`;
  return { row: row ?? (await findRepository(db, repo.owner, repo.name))!, created: false };
}

export async function setDefaultBranch(db: Queryable, id: number, branch: string | null): Promise<RepositoryRow> {
  const [row] = await db<RepositoryRow[]>`
    update repositories set default_branch = ${branch}, updated_at = now() where id = ${id}
    returning id, owner, name, path, default_branch, state`;
  if (!row) throw new Error(`repository ${id} not found`);
  return row;
}

export async function markRepositoryRemoved(db: Queryable, id: number): Promise<void> {
  await db`update repositories set state = 'removed', updated_at = now() where id = ${id} and state <> 'removed'`;
}

/**
 * Takes the repository's row lock: ref-state reads and writes of one repository are serialised by it. `no key
 * update`, not `update`: the rows a trigger inserts (events, runs, jobs, tasks) check their foreign key with `key
 * share` on this row, which `for update` would wait for; a push then waited for the trigger's whole transaction.
 */
export async function lockRepository(db: Queryable, id: number): Promise<void> {
  await db`select id from repositories where id = ${id} for no key update`;
}

export interface RefStates {
  /** Live refs: ref → sha. */
  refs: Map<string, string>;
  /** How many updates were recorded for each ref seen so far, deleted ones included. */
  versions: Map<string, number>;
}

export async function loadRefStates(db: Queryable, repositoryId: number): Promise<RefStates> {
  const rows = await db<{ ref: string; sha: string | null; version: number }[]>`
    select ref, sha, version from ref_states where repository_id = ${repositoryId}`;
  return {
    refs: new Map(rows.filter((r) => r.sha !== null).map((r) => [r.ref, r.sha!])),
    versions: new Map(rows.map((r) => [r.ref, r.version])),
  };
}

/** Moves a ref to `sha` (null: deleted) and counts the update in its version. */
export async function setRefState(db: Queryable, repositoryId: number, ref: string, sha: string | null): Promise<void> {
  await db`
    insert into ref_states (repository_id, ref, sha, version) values (${repositoryId}, ${ref}, ${sha}, 1)
    on conflict (repository_id, ref) do update set sha = excluded.sha, version = ref_states.version + 1, updated_at = now()`;
}

/** Moves many refs at once (null sha: deleted), each update counted in its version. */
export async function setRefStates(db: Queryable, repositoryId: number, refs: ReadonlyArray<{ ref: string; sha: string | null }>): Promise<void> {
  const chunks = [];
  for (let i = 0; i < refs.length; i += 1000) chunks.push(refs.slice(i, i + 1000));
  // Sent together (pipelined, in order), so that a caller may send COMMIT behind them.
  await Promise.all(chunks.map((chunk) => db`
    insert into ref_states (repository_id, ref, sha, version)
    select ${repositoryId}, ref, sha, 1 from unnest(${chunk.map((r) => r.ref)}::text[], ${chunk.map((r) => r.sha) as string[]}::text[]) as u(ref, sha)
    on conflict (repository_id, ref) do update set sha = excluded.sha, version = ref_states.version + 1, updated_at = now()`.execute()));
}

/** A new repository's baseline: its refs as they are, no update counted. */
export async function replaceRefStates(db: Queryable, repositoryId: number, refs: ReadonlyMap<string, string>): Promise<void> {
  await db`delete from ref_states where repository_id = ${repositoryId}`;
  const rows = [...refs].map(([ref, sha]) => ({ repository_id: repositoryId, ref, sha }));
  for (let i = 0; i < rows.length; i += 1000) {
    await db`insert into ref_states ${db(rows.slice(i, i + 1000), 'repository_id', 'ref', 'sha')}`;
  }
}

/** The rows of these repositories that exist (one statement, whatever their number). */
export async function findRepositories(db: Queryable, keys: ReadonlyArray<{ owner: string; name: string }>): Promise<RepositoryRow[]> {
  if (keys.length === 0) return [];
  return db<RepositoryRow[]>`
    select r.id, r.owner, r.name, r.path, r.default_branch, r.state
    from repositories r
    join unnest(${keys.map((k) => k.owner)}::text[], ${keys.map((k) => k.name)}::text[]) as k(owner, name) using (owner, name)`;
}

/**
 * New repositories and their baselines in a few statements, for a host's first start. A repository another
 * process inserted meanwhile is left out of the result (the caller registers it the usual way).
 */
export async function insertRepositories(
  db: Queryable,
  repos: ReadonlyArray<{ owner: string; name: string; path: string; default_branch: string | null; refs: ReadonlyMap<string, string> }>,
): Promise<RepositoryRow[]> {
  const created: RepositoryRow[] = [];
  for (let i = 0; i < repos.length; i += 1000) {
    const chunk = repos.slice(i, i + 1000);
    const rows = await db<RepositoryRow[]>`
      insert into repositories (owner, name, path, default_branch)
      select * from unnest(${chunk.map((r) => r.owner)}::text[], ${chunk.map((r) => r.name)}::text[],
        ${chunk.map((r) => r.path)}::text[], ${chunk.map((r) => r.default_branch) as string[]}::text[])
      on conflict (owner, name) do nothing
      returning id, owner, name, path, default_branch, state`;
    if (rows.length === 0) continue;
    await db`insert into repository_counters (repository_id) select unnest(${rows.map((r) => r.id)}::bigint[]) on conflict do nothing`;
    const byKey = new Map(chunk.map((r) => [`${r.owner}/${r.name}`, r.refs]));
    const refs = rows.flatMap((row) => [...byKey.get(`${row.owner}/${row.name}`)!].map(([ref, sha]) => ({ id: row.id, ref, sha })));
    for (let j = 0; j < refs.length; j += 5000) {
      const part = refs.slice(j, j + 5000);
      await db`
        insert into ref_states (repository_id, ref, sha)
        select * from unnest(${part.map((r) => r.id)}::bigint[], ${part.map((r) => r.ref)}::text[], ${part.map((r) => r.sha)}::text[])`;
    }
    created.push(...rows);
  }
  return created;
}

/** The live refs of each of these repositories (ref → sha), in one statement. */
export async function loadLiveRefsOf(db: Queryable, repositoryIds: readonly number[]): Promise<Map<number, Map<string, string>>> {
  const result = new Map<number, Map<string, string>>(repositoryIds.map((id) => [id, new Map()]));
  for (let i = 0; i < repositoryIds.length; i += 5000) {
    const rows = await db<{ repository_id: number; ref: string; sha: string }[]>`
      select repository_id, ref, sha from ref_states
      where repository_id = any(${repositoryIds.slice(i, i + 5000) as number[]}::bigint[]) and sha is not null`;
    for (const row of rows) result.get(Number(row.repository_id))?.set(row.ref, row.sha);
  }
  return result;
}
