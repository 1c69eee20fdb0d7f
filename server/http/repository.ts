import { findRepository } from '../adapters/db/repositories.js';
import type { RepositoryRow } from '../adapters/db/repositories.js';
import type { RepositoryRegistry } from '../services/ingest/registry.js';
import type { Sql } from '../adapters/db/connect.js';
import { AppError } from '../services/errors/app-error.js';

/** The repository `:owner/:repo` names, or 404. Removed repositories stay readable (their history is kept). */
export async function repositoryOf(
  deps: { sql: Sql; registry: RepositoryRegistry },
  params: { owner: string; repo: string },
): Promise<RepositoryRow> {
  const repo = await findRepository(deps.sql, params.owner, params.repo);
  if (repo) return repo;
  const key = `${params.owner}/${params.repo}`;
  if (deps.registry.isInConflict(key)) throw new AppError('repository_conflict', { repository: key });
  throw new AppError('not_found', { what: `repository ${key}` });
}

/** Where the repository's objects are, for requests that read git; 409 when it is not on disk any more. */
export function gitDirOf(registry: RepositoryRegistry, repo: RepositoryRow): string {
  const known = registry.get(`${repo.owner}/${repo.name}`);
  if (!known || repo.state !== 'active') {
    throw new AppError('repository_unavailable', { repository: `${repo.owner}/${repo.name}` });
  }
  return known.gitDir;
}
