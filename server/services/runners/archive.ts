import type { Readable } from 'node:stream';
import type { Sql } from '../../adapters/db/connect.js';
import { leasedTaskSource } from '../../adapters/db/tasks.js';
import { gitRepository, resolveRepository } from '../../adapters/git/index.js';
import { accessError } from './task-actions.js';
import { hashToken } from './tokens.js';
import { AppError } from '../errors/app-error.js';

// The repository at the task's commit as a tar stream (`git archive`), so a runner anywhere can check the code
// out without access to the server's disk or git credentials.

export async function openTaskArchive(sql: Sql, id: number, token: string): Promise<Readable> {
  const hash = hashToken(token);
  const source = await leasedTaskSource(sql, id, hash);
  if (!source) throw await accessError(sql, id, hash);
  const repo = await resolveRepository(source.path);
  // The reply names no path: where repositories live on the server is none of a runner's business.
  if (!repo) throw new AppError('source_unavailable', { reason: 'the repository is no longer on disk' });
  const archive = await gitRepository(repo.gitDir).archive(source.commit_sha);
  if (!archive) throw new AppError('source_unavailable', { reason: `commit ${source.commit_sha} is not in the repository` });
  return archive;
}
