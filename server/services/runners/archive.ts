import type { Readable } from 'node:stream';
import type { Sql } from '../../adapters/db/connect.js';
import { leasedTaskSource } from '../../adapters/db/tasks.js';
import { gitRepository, resolveRepository } from '../../adapters/git/index.js';
import type { GitRepository } from '../../adapters/git/index.js';
import { accessError } from './task-actions.js';
import { hashToken } from './tokens.js';
import { AppError } from '../errors/app-error.js';

// The repository at the task's commit, as a tar stream (`git archive`) or as a git pack of that commit, so a runner
// anywhere can check the code out without access to the server's disk or git credentials.

export async function openTaskArchive(sql: Sql, id: number, token: string): Promise<Readable> {
  return openTaskSource(sql, id, token, (git, commit) => git.archive(commit));
}

/** The task's commit as a git pack (no history): the runner makes a shallow checkout of it. */
export async function openTaskPack(sql: Sql, id: number, token: string): Promise<Readable> {
  return openTaskSource(sql, id, token, (git, commit) => git.commitPack(commit));
}

async function openTaskSource(
  sql: Sql, id: number, token: string, open: (git: GitRepository, commit: string) => Promise<Readable | null>,
): Promise<Readable> {
  const hash = hashToken(token);
  const source = await leasedTaskSource(sql, id, hash);
  if (!source) throw await accessError(sql, id, hash);
  const repo = await resolveRepository(source.path);
  // The reply names no path: where repositories live on the server is none of a runner's business.
  if (!repo) throw new AppError('source_unavailable', { reason: 'the repository is no longer on disk' });
  const stream = await open(gitRepository(repo.gitDir), source.commit_sha);
  if (!stream) throw new AppError('source_unavailable', { reason: `commit ${source.commit_sha} is not in the repository` });
  return stream;
}
