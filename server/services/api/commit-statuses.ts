import { latestCommitStatuses } from '../../adapters/db/commit-statuses.js';
import type { Sql } from '../../adapters/db/connect.js';
import type { RepositoryRow } from '../../adapters/db/repositories.js';
import { gitRepository } from '../../adapters/git/index.js';
import { combinedState } from '../../core/status/commit-status.js';
import { AppError } from '../errors/app-error.js';
import { commitOf, resolveRef } from './git-refs.js';

// The reads of commit statuses: a commit named by its id, a branch or a tag, as GitHub's API takes them.

const FULL_ID = /^([0-9a-f]{40}|[0-9a-f]{64})$/i;

export const isFullCommitId = (ref: string): boolean => FULL_ID.test(ref);

/**
 * The commit `ref` names: a full commit id, a branch, a tag or a full ref. A full id is taken as it is when the
 * repository is no longer on disk (its statuses stay readable); `gitDir` null means so.
 */
export async function commitOfRef(repo: RepositoryRow, gitDir: string | null, ref: string): Promise<string> {
  const id = ref.toLowerCase();
  if (gitDir === null && FULL_ID.test(id)) return id;
  const git = gitDir === null ? null : gitRepository(gitDir);
  const commit = git === null ? null : FULL_ID.test(id) ? await commitOf(git, id) : (await resolveRef(git, ref))?.commit ?? null;
  if (commit === null) throw new AppError('unknown_ref', { ref, repository: `${repo.owner}/${repo.name}` }, { ref });
  return commit;
}

/** GitHub's combined status: the latest status of each context and the state they make together. */
export async function combinedStatus(sql: Sql, repo: RepositoryRow, sha: string) {
  const latest = await latestCommitStatuses(sql, repo.id, sha);
  return { state: combinedState(latest.map((s) => s.state)), sha, total_count: latest.length, statuses: latest };
}
