import { ConfigError } from '../config.js';
import { didYouMean } from '../core/language/suggest.js';
import { packageVersion } from '../package-root.js';
import type { CommandIO } from './io.js';
import { USAGE, UsageError } from './usage.js';

type Command = (argv: string[], io: CommandIO) => Promise<number>;

// Loaded on demand: the post-receive hook must start fast, without tree-sitter or the database driver.
export const COMMANDS: Record<string, () => Promise<Command>> = {
  check: async () => (await import('./check.js')).runCheck,
  match: async () => (await import('./match.js')).runMatch,
  cron: async () => (await import('./cron.js')).runCron,
  serve: async () => (await import('./serve.js')).runServe,
  migrate: async () => (await import('./migrate.js')).runMigrate,
  hook: async () => (await import('./hook.js')).runHook,
  hooks: async () => (await import('./hooks.js')).runHooks,
  register: async () => (await import('./register.js')).runRegister,
  runner: async () => (await import('./runner.js')).runRunner,
  token: async () => (await import('./token.js')).runToken,
  repos: async () => (await import('./repos.js')).runRepos,
  workflows: async () => (await import('./workflows.js')).runWorkflows,
  runs: async () => (await import('./runs.js')).runRuns,
  dispatch: async () => (await import('./dispatch.js')).runDispatch,
  logs: async () => (await import('./logs.js')).runLogs,
  events: async () => (await import('./events.js')).runEvents,
  audit: async () => (await import('./audit.js')).runAudit,
  statuses: async () => (await import('./statuses.js')).runStatuses,
  runners: async () => (await import('./runners.js')).runRunners,
  completion: async () => (await import('./completion.js')).runCompletion,
};

/** Runs one command line; returns the exit status. Never throws for bad usage. */
export async function runCli(argv: string[], io: CommandIO): Promise<number> {
  const [first, ...afterFirst] = argv;
  if (first === '--version' || first === '-V') {
    io.out(`plue-trigger ${packageVersion()}`);
    return 0;
  }
  // `help runs` is `runs --help`.
  const [name, ...rest] = first === 'help' && afterFirst.length > 0 ? [afterFirst[0]!, '--help'] : argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    if (name === undefined) io.err(USAGE);
    else io.out(USAGE);
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.err(`plue-trigger: unknown command "${name}".${didYouMean(name, Object.keys(COMMANDS))}\nrun 'plue-trigger --help' for the commands`);
    return 2;
  }
  try {
    const command = await load();
    return await command(rest, io);
  } catch (error) {
    // parseArgs reports unknown or malformed flags with codes starting ERR_PARSE_ARGS.
    const code = (error as { code?: string }).code ?? '';
    if (error instanceof UsageError || code.startsWith('ERR_PARSE_ARGS')) {
      io.err(`plue-trigger ${name}: ${(error as Error).message}`);
      return 2;
    }
    // A bad setting is bad usage too: the command never started.
    if (error instanceof ConfigError) {
      io.err(`plue-trigger: ${error.message}`);
      return 2;
    }
    throw error;
  }
}
