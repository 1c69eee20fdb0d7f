import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { closeGitRepositories, gitAvailable } from '../adapters/git/index.js';
import { ConfigError, loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { PACKAGE_ROOT, BIN_PATH } from '../package-root.js';
import { startService } from '../services/service.js';
import type { CommandIO } from './io.js';

/** A word the shell leaves alone, else quoted. */
const shellWord = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`);

/**
 * How to type plue-trigger in any folder: its name when PATH finds this checkout's command under it (`npm link`),
 * else the command's full path. Never `npx plue-trigger`: outside the checkout npx looks the name up in the public
 * registry.
 */
export async function commandForBanner(env: NodeJS.ProcessEnv): Promise<{ command: string; onPath: boolean }> {
  const ours = await realpath(BIN_PATH).catch(() => BIN_PATH);
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '' || !path.isAbsolute(dir)) continue;
    const found = await realpath(path.join(dir, 'plue-trigger')).catch(() => null);
    if (found === ours) return { command: 'plue-trigger', onPath: true };
    if (found !== null) break; // another plue-trigger comes first on PATH: the bare name would run that one
  }
  return { command: shellWord(BIN_PATH), onPath: false };
}

/** What the banner tells a newcomer to type, each line as it works in the demo clone. */
export function instructions(url: string, demo: string, dataDir: string, cli: { command: string; onPath: boolean }): string {
  const pt = cli.command;
  return [
    '',
    `plue-trigger is serving on ${url}`,
    `A demo repository was created at ${demo}. Try it:`,
    `  git clone ${shellWord(demo)} test-repo && cd test-repo`,
    `  echo "hello" >> README.md && git commit -qam "try plue" && git push origin main`,
    `Then see the runs (the API wants a token; this one can do everything):`,
    `  export PLUE_URL=${shellWord(url)} PLUE_DATA_DIR=${shellWord(dataDir)}`,
    `  export PLUE_TOKEN=$(${pt} token create --scope admin)`,
    `  ${pt} runs list demo/test-repo`,
    `  curl -s -H "Authorization: Bearer $PLUE_TOKEN" ${url}/api/repos/demo/test-repo/workflows`,
    `or open the dashboard at ${url}/ (sign in with that token).`,
    `And run them with a runner (it registers at its first start and keeps its token in the --token-file), in another terminal:`,
    `  ${pt} runner --server ${shellWord(url)} --registration-token-file ${shellWord(path.join(dataDir, 'runner-registration-token'))} --token-file ${shellWord(path.join(dataDir, 'runner-token'))}`,
    `Then follow the run's log until it ends:`,
    `  ${pt} logs demo/test-repo 1 --follow`,
    ...(cli.onPath ? [] : ['', `(To type plue-trigger instead of its full path, put it on your PATH: npm link, in ${shellWord(PACKAGE_ROOT)}.)`]),
    '',
  ].join('\n');
}

const HELP = `usage: plue-trigger serve

Starts the service: its database (embedded under PLUE_DATA_DIR unless DATABASE_URL is set), the watcher of the
repositories under PLUE_REPOS_DIR, the trigger, the scheduler and the HTTP API on HOST:PORT. Settings are
environment variables (README, Configuration). SIGTERM or Ctrl-C stops it.`;

export async function runServe(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h', default: false } } });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  let config;
  try {
    config = loadConfig(io.env, io.cwd);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(`plue-trigger: ${error.message}`);
      return 2;
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  if (!(await gitAvailable())) {
    io.err('plue-trigger: git is not installed or not on PATH; install git and start again');
    return 1;
  }
  let service;
  try {
    service = await startService(config, log);
  } catch (error) {
    const e = error as { code?: string; message?: string };
    if (e.code === 'EADDRINUSE') io.err(`plue-trigger: port ${config.port} is in use; set PORT to another port`);
    else io.err(`plue-trigger: cannot start: ${e.message ?? String(error)}`);
    return 1;
  }
  if (service.demoRepository) io.out(instructions(service.url, service.demoRepository, config.dataDir, await commandForBanner(io.env)));
  else io.out(`plue-trigger is serving on ${service.url} (dashboard: ${service.url}/), watching ${config.reposDir}`);

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    // `on`, not `once`: one Ctrl-C (or `timeout`) signals the whole process group and npm forwards it too, so the
    // same signal comes twice; a second one must not kill the service halfway through stopping its PostgreSQL.
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    // Started in the foreground (by npm, a shell script) and the parent killed outright: stop rather than live
    // on as an orphan with the embedded PostgreSQL. Under systemd or as a container's first process the parent
    // never changes.
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid === parent) return;
      log.warn(`the parent process (${parent}) went away; stopping`);
      stop();
    }, 1000).unref();
  });
  log.info('stopping');
  await service.close();
  closeGitRepositories();
  return 0;
}
