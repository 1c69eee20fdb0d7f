import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { Sql } from '../../adapters/db/connect.js';
import { leasedTaskSource } from '../../adapters/db/tasks.js';
import { commitExists, resolveRepository } from '../../adapters/git/index.js';
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
  if (!(await commitExists(repo.gitDir, source.commit_sha))) {
    throw new SourceUnavailableError(`commit ${source.commit_sha} is not in the repository`);
  }
  const child = spawn('git', [`--git-dir=${repo.gitDir}`, 'archive', '--format=tar', source.commit_sha], {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: gitEnv(),
  });
  child.on('error', (error) => child.stdout.destroy(error));
  child.on('close', (code) => {
    if (code !== 0) child.stdout.destroy(new Error(`git archive exited with ${code}`));
  });
  return child.stdout;
}

function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' };
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_NAMESPACE']) delete env[name];
  return env;
}
