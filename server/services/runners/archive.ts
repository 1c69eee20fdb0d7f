import type { Readable } from 'node:stream';
import type { Sql } from '../../adapters/db/connect.js';
import { leasedTaskSource } from '../../adapters/db/tasks.js';
import { gitRepository, resolveRepository } from '../../adapters/git/index.js';
import { accessError } from './task-actions.js';
import { hashToken } from './tokens.js';

// The repository at the task's commit as a tar stream (`git archive`), so a runner anywhere can check the code
// out without access to the server's disk or git credentials.

export class SourceUnavailableError extends Error {}

export async function openTaskArchive(sql: Sql, id: number, token: string): Promise<Readable> {
  const hash = hashToken(token);
  const source = await leasedTaskSource(sql, id, hash);
  if (!source) throw await accessError(sql, id, hash);
  const repo = await resolveRepository(source.path);
  if (!repo) throw new SourceUnavailableError(`the repository is no longer at ${source.path}`);
  const archive = await gitRepository(repo.gitDir).archive(source.commit_sha);
  if (!archive) throw new SourceUnavailableError(`commit ${source.commit_sha} is not in the repository`);
  return archive;
}
