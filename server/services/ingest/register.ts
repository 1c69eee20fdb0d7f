import type { Sql } from '../../adapters/db/connect.js';
import { lockRepository, replaceRefStates, upsertRepository } from '../../adapters/db/repositories.js';
import type { RepositoryRow } from '../../adapters/db/repositories.js';
import type { GitRepository } from '../../adapters/git/index.js';
import { isFollowedRef, isZeroSha } from '../../core/refs/diff.js';
import type { RefUpdate } from '../../core/refs/diff.js';

export interface RepositoryOnDisk {
  owner: string;
  name: string;
  path: string;
  git: GitRepository;
}

/**
 * Makes sure the repository has a row. A repository seen for the first time gets its current refs stored as a
 * baseline, which starts nothing; `pending` (hook updates not yet recorded) are rolled back to their old value
 * in that baseline so that they still get recorded. One seen appearing with no refs (`fromNoRefs`) gets an empty
 * baseline instead: every branch and tag it has by now was pushed to it, and is recorded as such.
 */
export async function registerRepository(
  sql: Sql,
  repo: RepositoryOnDisk,
  pending: RefUpdate[] = [],
  fromNoRefs = false,
): Promise<{ row: RepositoryRow; created: boolean }> {
  const branch = await repo.git.defaultBranch();
  return sql.begin(async (tx) => {
    const result = await upsertRepository(tx, { owner: repo.owner, name: repo.name, path: repo.path, default_branch: branch });
    if (!result.created) return result;
    await lockRepository(tx, result.row.id);
    if (fromNoRefs) return result;
    const baseline = await repo.git.listRefs();
    for (const update of pending.filter((u) => isFollowedRef(u.ref))) {
      if (isZeroSha(update.before)) baseline.delete(update.ref);
      else baseline.set(update.ref, update.before);
    }
    await replaceRefStates(tx, result.row.id, baseline);
    return result;
  });
}
