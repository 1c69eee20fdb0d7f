import { parseArgs } from 'node:util';
import { closeGitRepositories, gitAvailable } from '../adapters/git/index.js';
import { ConfigError, loadConfig } from '../config.js';
import { createLogger } from '../logger.js';
import { startService } from '../services/service.js';
import type { CommandIO } from './io.js';

function instructions(url: string, demo: string, dataDir: string): string {
  return [
    '',
    `plue-trigger is serving on ${url}`,
    `A demo repository was created at ${demo}. Try it:`,
    `  git clone ${demo} /tmp/test-repo && cd /tmp/test-repo`,
    `  echo "hello" >> README.md && git commit -qam "try plue" && git push origin main`,
    `Then see the runs (the API wants a token; this one can do everything):`,
    `  export PLUE_URL=${url} PLUE_DATA_DIR=${dataDir}`,
    `  export PLUE_TOKEN=$(npx plue-trigger token create --scope admin)`,
    `  npx plue-trigger runs list demo/test-repo`,
    `  curl -s -H "Authorization: Bearer $PLUE_TOKEN" ${url}/api/repos/demo/test-repo/workflows`,
    `And run them with a runner (it registers at its first start and keeps its token in the --token-file):`,
    `  npx plue-trigger runner --server ${url} --registration-token-file ${dataDir}/runner-registration-token --token-file ${dataDir}/runner-token`,
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
  if (service.demoRepository) io.out(instructions(service.url, service.demoRepository, config.dataDir));
  else io.out(`plue-trigger is serving on ${service.url}, watching ${config.reposDir}`);

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  log.info('stopping');
  await service.close();
  closeGitRepositories();
  return 0;
}
