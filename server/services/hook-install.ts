import { lstat, readFile, rename } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { GitRepository } from '../adapters/git/index.js';
import { asError } from '../logger.js';
import { HOOK_MARKER, USER_HOOK_SUFFIX } from './hook-script.js';

// Installs the post-receive hook into a repository: the one installer of `hooks install`, PLUE_INSTALL_HOOKS and
// the demo repository. A hook of the user's is never overwritten: it is kept as `post-receive.user`, which ours
// runs after itself with the same stdin. Installing again changes nothing, or brings an older hook of ours up to date.

export type HookInstallOutcome = 'installed' | 'chained' | 'updated' | 'unchanged' | 'refused';

export interface HookInstallReport {
  outcome: HookInstallOutcome;
  /** The hook file (where git looks for it: `core.hooksPath` included). */
  file: string;
  /** What happened, in words. */
  message: string;
}

const HOOK = 'post-receive';

export async function installPostReceiveHook(git: GitRepository, script: string): Promise<HookInstallReport> {
  const file = await git.hookPath(HOOK);
  const userFile = `${file}${USER_HOOK_SUFFIX}`;
  const existing = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (existing === null) {
    await git.installHook(HOOK, script);
    return { outcome: 'installed', file, message: `installed ${file}` };
  }
  if (existing === script) return { outcome: 'unchanged', file, message: `already installed (${file})` };
  if (isOurs(existing)) {
    await git.installHook(HOOK, script);
    return { outcome: 'updated', file, message: `updated ${file}` };
  }
  if (await exists(userFile)) {
    return {
      outcome: 'refused', file,
      message: `${file} is not ours and ${userFile} exists too: not touching either; merge them by hand, or move one away and install again`,
    };
  }
  await rename(file, userFile);
  await git.installHook(HOOK, script);
  return { outcome: 'chained', file, message: `installed ${file}; your hook is now ${userFile}, run after ours with the same input` };
}

/** For PLUE_INSTALL_HOOKS: installs into one repository, logging what it did; never throws. */
export async function installHookLogged(log: Logger, repository: { key: string; git: GitRepository }, script: string): Promise<void> {
  try {
    const report = await installPostReceiveHook(repository.git, script);
    const level = report.outcome === 'refused' ? 'warn' : report.outcome === 'unchanged' ? 'debug' : 'info';
    log[level]({ repository: repository.key, hook: report.outcome }, `post-receive hook of ${repository.key}: ${report.message}`);
  } catch (error) {
    log.warn({ repository: repository.key, err: asError(error) }, `cannot install the post-receive hook of ${repository.key}`);
  }
}

function isOurs(script: string): boolean {
  return script.split('\n', 3).some((line) => line.startsWith(HOOK_MARKER));
}

async function exists(file: string): Promise<boolean> {
  return lstat(file).then(() => true, () => false);
}
