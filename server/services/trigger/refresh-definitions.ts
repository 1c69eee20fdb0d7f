import type { Sql } from '../../adapters/db/connect.js';
import { syncDefinitions } from '../../adapters/db/definitions.js';
import { definitionsFromFiles } from '../../core/trigger/definitions.js';
import type { KnownRepository } from '../ingest/registry.js';
import type { WorkflowSource } from './workflow-source.js';

/** Describes the default branch's workflows for a newly registered repository (later pushes keep them current). */
export async function refreshDefinitions(sql: Sql, source: WorkflowSource, repo: KnownRepository): Promise<number> {
  const branch = repo.row.default_branch;
  if (branch === null) return 0;
  const commit = await repo.git.peel(`refs/heads/${branch}`);
  if (commit === null) return 0;
  const definitions = definitionsFromFiles(await source.load(repo.git, commit));
  await sql.begin((tx) => syncDefinitions(tx, repo.row.id, definitions));
  return definitions.length;
}
