import type { CommandIO } from './io.js';
import { USAGE, UsageError } from './usage.js';

type Command = (argv: string[], io: CommandIO) => Promise<number>;

// Loaded on demand: the post-receive hook must start fast, without tree-sitter or the database driver.
const COMMANDS: Record<string, () => Promise<Command>> = {
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
};

/** Runs one command line; returns the exit status. Never throws for bad usage. */
export async function runCli(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(USAGE);
    return name === undefined ? 2 : 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    io.err(`plue-trigger: unknown command "${name}"\n${USAGE}`);
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
    throw error;
  }
}
