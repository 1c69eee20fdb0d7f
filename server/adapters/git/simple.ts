// simple-git, for the one-shot commands where its API is clearer than argv and speed does not matter (hook
// installation, creating a repository, test fixtures). It runs with the same environment as every other git
// call. Its own guard strips every GIT_* variable and refuses a few: it is told to keep exactly what
// gitEnvironment kept, and that the config paths (GIT_CONFIG_GLOBAL, --git-dir) and GIT_EXEC_PATH it may see
// are the operator's and ours.
import { simpleGit } from 'simple-git';
import type { SimpleGit } from 'simple-git';
import { gitEnvironment } from './run.js';

export interface SimpleGitOptions {
  /** Added to (or replacing) gitEnvironment's variables. */
  env?: NodeJS.ProcessEnv;
  /** `-c name=value` for every command. */
  config?: string[];
  /** Written to the command's stdin. */
  input?: string;
}

export function simpleGitIn(dir: string, options: SimpleGitOptions = {}): SimpleGit {
  const env = { ...gitEnvironment(), ...options.env };
  return simpleGit({
    baseDir: dir,
    config: options.config ?? [],
    allowEnvironment: Object.keys(env),
    unsafe: { allowUnsafeConfigPaths: true, allowUnsafeExec: true },
    ...(options.input === undefined ? {} : { input: () => options.input }),
  }).env(env);
}
