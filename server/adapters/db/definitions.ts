import type { DefinitionInput } from '../../core/trigger/definitions.js';
import { WORKFLOWS_FOLDER } from '../../core/language/workflow-paths.js';
import type { Queryable } from './queryable.js';
import { isWorkflowId } from '../../core/api/workflow-selector.js';

// workflow_definitions: the workflows of each repository's default branch.

export interface DefinitionRow extends DefinitionInput {
  id: number;
  repository_id: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, repository_id, name, file_path, file_sha, function_name, events, triggers, is_agent_workflow, runs_on, diagnostics, state, created_at, updated_at';

/**
 * Makes the repository's definitions equal `definitions`: upserts each, marks the others deleted. Writes nothing
 * when they already are (the common push to the default branch that leaves the workflows alone): `changed` says.
 * Returns the ids by `file_path\0function_name`.
 */
export async function syncDefinitions(
  db: Queryable,
  repositoryId: number,
  definitions: DefinitionInput[],
): Promise<{ ids: Map<string, number>; changed: boolean }> {
  const wanted = new Map(definitions.map((d) => [definitionKey(d.file_path, d.function_name), d]));
  const existing = await db<{ id: number; file_path: string; function_name: string; file_sha: string; state: string; name: string }[]>`
    select id, file_path, function_name, file_sha, state, name from workflow_definitions where repository_id = ${repositoryId}`;
  const current = new Map(existing.map((r) => [definitionKey(r.file_path, r.function_name), r]));
  const unchanged = [...wanted].every(([key, d]) => {
    const row = current.get(key);
    return row !== undefined && row.file_sha === d.file_sha && row.state === d.state && row.name === d.name;
  }) && existing.every((r) => r.state === 'deleted' || wanted.has(definitionKey(r.file_path, r.function_name)));
  if (unchanged) {
    return { ids: new Map([...wanted.keys()].map((key) => [key, current.get(key)!.id])), changed: false };
  }
  const upserted = await upsertDefinitions(db, [...wanted.values()].map((d) => ({ ...d, repository_id: repositoryId })));
  const ids = new Map(upserted.map((r) => [definitionKey(r.file_path, r.function_name), r.id]));
  const keep = [...ids.values()];
  await db`
    update workflow_definitions set state = 'deleted'
    where repository_id = ${repositoryId} and state <> 'deleted'
      and ${keep.length === 0 ? db`true` : db`id <> all(${keep}::bigint[])`}`;
  return { ids, changed: true };
}

/** Inserts or updates definitions of any repositories, in one statement; their ids. */
export async function upsertDefinitions(
  db: Queryable,
  rows: Array<DefinitionInput & { repository_id: number }>,
): Promise<Array<{ id: number; repository_id: number; file_path: string; function_name: string }>> {
  if (rows.length === 0) return [];
  return db<{ id: number; repository_id: number; file_path: string; function_name: string }[]>`
    insert into workflow_definitions
      (repository_id, name, file_path, file_sha, function_name, events, triggers, is_agent_workflow, runs_on, diagnostics, state)
    select repository_id, name, file_path, file_sha, function_name, events, triggers, is_agent_workflow, runs_on, diagnostics, state
    from jsonb_to_recordset(${db.json(rows as never)}) as d(
      repository_id bigint, name text, file_path text, file_sha text, function_name text, events jsonb, triggers jsonb,
      is_agent_workflow boolean, runs_on jsonb, diagnostics jsonb, state text)
    on conflict (repository_id, file_path, function_name) do update set
      name = excluded.name, file_sha = excluded.file_sha, events = excluded.events, triggers = excluded.triggers,
      is_agent_workflow = excluded.is_agent_workflow, runs_on = excluded.runs_on,
      diagnostics = excluded.diagnostics, state = excluded.state
    returning id, repository_id, file_path, function_name`;
}

export function definitionKey(filePath: string, functionName: string): string {
  return `${filePath}\0${functionName}`;
}

export async function findDefinitionIds(db: Queryable, repositoryId: number): Promise<Map<string, number>> {
  const rows = await db<{ id: number; file_path: string; function_name: string }[]>`
    select id, file_path, function_name from workflow_definitions where repository_id = ${repositoryId}`;
  return new Map(rows.map((r) => [definitionKey(r.file_path, r.function_name), r.id]));
}

export async function findDefinition(db: Queryable, repositoryId: number, id: number): Promise<DefinitionRow | null> {
  const [row] = await db<DefinitionRow[]>`
    select ${db.unsafe(COLUMNS)} from workflow_definitions where repository_id = ${repositoryId} and id = ${id}`;
  return row ?? null;
}

export interface DefinitionPage {
  rows: DefinitionRow[];
  total: number;
}

/** One page of a repository's definitions, live ones first, then by path and function (served by an index). */
export async function pageDefinitions(
  db: Queryable,
  repositoryId: number,
  filter: { state?: string },
  page: { limit: number; offset: number },
): Promise<DefinitionPage> {
  const where = db`repository_id = ${repositoryId} ${filter.state === undefined ? db`` : db`and state = ${filter.state}`}`;
  const [rows, count] = await Promise.all([
    db<DefinitionRow[]>`
      select ${db.unsafe(COLUMNS)} from workflow_definitions where ${where}
      order by state = 'deleted', file_path, function_name limit ${page.limit} offset ${page.offset}`,
    db<{ n: number }[]>`select count(*)::int as n from workflow_definitions where ${where}`,
  ]);
  return { rows, total: count[0]?.n ?? 0 };
}

/**
 * The definitions a workflow selector may name (core/api/workflow-selector.ts decides among them): by id, by
 * path or file name, by name or by function. Each is an indexed look-up.
 */
export async function definitionsNamedBy(db: Queryable, repositoryId: number, selector: string): Promise<DefinitionRow[]> {
  const id = isWorkflowId(selector) ? Number(selector) : null;
  return db<DefinitionRow[]>`
    select ${db.unsafe(COLUMNS)} from workflow_definitions
    where repository_id = ${repositoryId}
      and (${id === null ? db`false` : db`id = ${id}`} or file_path = ${selector} or file_path = ${`${WORKFLOWS_FOLDER}/${selector}`}
        or name = ${selector} or (function_name <> '' and function_name = ${selector}))
    order by state = 'deleted', file_path, function_name`;
}
