import type { DefinitionInput } from '../../core/trigger/definitions.js';
import type { Queryable } from './queryable.js';

// workflow_definitions: the workflows of each repository's default branch.

export interface DefinitionRow extends DefinitionInput {
  id: number;
  repository_id: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, repository_id, name, file_path, file_sha, function_name, events, triggers, is_agent_workflow, runs_on, diagnostics, state, created_at, updated_at';

/**
 * Makes the repository's definitions equal `definitions`: upserts each, marks the others deleted.
 * Returns the ids by `file_path\0function_name`.
 */
export async function syncDefinitions(
  db: Queryable,
  repositoryId: number,
  definitions: DefinitionInput[],
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const d of definitions) {
    const [row] = await db<{ id: number }[]>`
      insert into workflow_definitions
        (repository_id, name, file_path, file_sha, function_name, events, triggers, is_agent_workflow, runs_on, diagnostics, state)
      values (${repositoryId}, ${d.name}, ${d.file_path}, ${d.file_sha}, ${d.function_name},
        ${db.json(d.events)}, ${db.json(d.triggers as never)}, ${d.is_agent_workflow}, ${db.json(d.runs_on)},
        ${db.json(d.diagnostics as never)}, ${d.state})
      on conflict (repository_id, file_path, function_name) do update set
        name = excluded.name, file_sha = excluded.file_sha, events = excluded.events, triggers = excluded.triggers,
        is_agent_workflow = excluded.is_agent_workflow, runs_on = excluded.runs_on,
        diagnostics = excluded.diagnostics, state = excluded.state,
        updated_at = case
          when (workflow_definitions.file_sha, workflow_definitions.state, workflow_definitions.name)
            is distinct from (excluded.file_sha, excluded.state, excluded.name) then now()
          else workflow_definitions.updated_at end
      returning id`;
    ids.set(definitionKey(d.file_path, d.function_name), row!.id);
  }
  const keep = [...ids.values()];
  await db`
    update workflow_definitions set state = 'deleted', updated_at = now()
    where repository_id = ${repositoryId} and state <> 'deleted'
      and ${keep.length === 0 ? db`true` : db`id <> all(${keep}::bigint[])`}`;
  return ids;
}

export function definitionKey(filePath: string, functionName: string): string {
  return `${filePath}\0${functionName}`;
}

export async function findDefinitionIds(db: Queryable, repositoryId: number): Promise<Map<string, number>> {
  const rows = await db<{ id: number; file_path: string; function_name: string }[]>`
    select id, file_path, function_name from workflow_definitions where repository_id = ${repositoryId}`;
  return new Map(rows.map((r) => [definitionKey(r.file_path, r.function_name), r.id]));
}

export async function listDefinitions(db: Queryable, repositoryId: number): Promise<DefinitionRow[]> {
  return db<DefinitionRow[]>`
    select ${db.unsafe(COLUMNS)} from workflow_definitions
    where repository_id = ${repositoryId}
    order by state = 'deleted', file_path, function_name`;
}
