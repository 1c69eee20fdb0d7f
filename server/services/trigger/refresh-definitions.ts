import type { Sql } from '../../adapters/db/connect.js';
import type { Queryable } from '../../adapters/db/queryable.js';
import { syncDefinitions } from '../../adapters/db/definitions.js';
import { syncSchedules } from '../../adapters/db/schedules.js';
import type { DefinitionInput } from '../../core/trigger/definitions.js';
import { definitionsFromFiles } from '../../core/trigger/definitions.js';
import type { KnownRepository } from '../ingest/registry.js';
import type { WorkflowSource } from './workflow-source.js';

/** Describes the default branch's workflows for a newly registered repository (later pushes keep them current). */
export async function refreshDefinitions(sql: Sql, source: WorkflowSource, repo: KnownRepository, now: () => Date): Promise<number> {
  const branch = repo.row.default_branch;
  if (branch === null) return 0;
  const commit = await repo.git.peel(`refs/heads/${branch}`);
  if (commit === null) return 0;
  const definitions = definitionsFromFiles(await source.load(repo.git, commit));
  await sql.begin((tx) => describeDefaultBranch(tx, repo.row.id, definitions, now()));
  return definitions.length;
}

/**
 * Inside the caller's transaction: the repository's definitions become `definitions`, and its schedules follow
 * them (a schedule counts from `now`). Returns the definition ids by `file_path\0function_name`.
 * Schedules change only here, with the definitions: when these are unchanged, so are they.
 */
export async function describeDefaultBranch(
  tx: Queryable,
  repositoryId: number,
  definitions: DefinitionInput[],
  now: Date,
): Promise<Map<string, number>> {
  const { ids, changed } = await syncDefinitions(tx, repositoryId, definitions);
  if (changed) await syncSchedules(tx, repositoryId, now);
  return ids;
}
