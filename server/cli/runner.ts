import { parseArgs } from 'node:util';
import { RunnerClient } from '../runner/client.js';
import { Runner } from '../runner/runner.js';
import type { CommandIO } from './io.js';
import { parseLabels, registerWith, serverUrl } from './register.js';
import { UsageError } from './usage.js';

const HELP = `usage: plue-trigger runner --server URL --token TOKEN [--labels a,b] [--concurrency N]
       plue-trigger runner --server URL --registration-token T [--name NAME] [--labels a,b] [--concurrency N]

Runs workflow tasks: claims them from the service, runs each in a temporary workspace with python3, and reports
logs and status. SIGTERM or Ctrl-C stops claiming; running tasks get --grace seconds to finish, then are given back.

  --server URL               the plue-trigger service (default: $PLUE_URL)
  --token TOKEN              this runner's token from 'plue-trigger register' (default: $PLUE_RUNNER_TOKEN)
  --registration-token T     register first (prints the new token on standard error), then run
  --name NAME                with --registration-token: how the runner is shown (default: host name)
  --labels a,b               with --registration-token: the runner's labels; with --token: take only tasks
                             that fit these (a subset of the registered labels)
  --concurrency N            tasks run at once (default 1)
  --grace SECONDS            on SIGTERM, how long running tasks may take to finish (default 30)`;

const OPTIONS = {
  server: { type: 'string' },
  token: { type: 'string' },
  'registration-token': { type: 'string' },
  name: { type: 'string' },
  labels: { type: 'string' },
  concurrency: { type: 'string', default: '1' },
  grace: { type: 'string', default: '30' },
  help: { type: 'boolean', short: 'h' },
} as const;

function positiveInteger(text: string, flag: string, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new UsageError(`--${flag} must be an integer from 0 to ${max}`);
  return n;
}

export async function runRunner(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({ args: argv, options: OPTIONS });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const server = serverUrl(values.server, io.env);
  const concurrency = Math.max(1, positiveInteger(values.concurrency, 'concurrency', 256));
  const graceMs = positiveInteger(values.grace, 'grace', 86_400) * 1000;
  const labels = values.labels === undefined ? undefined : parseLabels(values.labels);
  let token = values.token ?? io.env.PLUE_RUNNER_TOKEN;
  let narrow = labels;
  if (values['registration-token'] && !values.token) {
    const registered = await registerWith(io, server, values['registration-token'], { name: values.name, labels: labels ?? [] });
    if (!registered) return 1;
    io.err(`runner token (shown once; pass it with --token next time): ${registered.token}`);
    token = registered.token;
    narrow = undefined;
  }
  if (!token) throw new UsageError('--token (or --registration-token) is required');

  const log = (message: string) => io.err(`${new Date().toISOString()} ${message}`);
  const runner = new Runner({ client: new RunnerClient(server, token), labels: narrow, concurrency, log });
  runner.start();
  log(`runner started: ${server}, ${concurrency} slot(s)${narrow ? `, labels ${narrow.join(',')}` : ''}`);

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    log(signals === 1 ? `${signal}: no new tasks; waiting up to ${graceMs / 1000} s for running ones` : `${signal}: giving running tasks back now`);
    void runner.shutdown(signals === 1 ? graceMs : 0);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  try {
    await runner.done();
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  log('runner stopped');
  return 0;
}
