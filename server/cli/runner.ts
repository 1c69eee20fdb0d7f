import { parseArgs } from 'node:util';
import { RunnerClient } from '../runner/client.js';
import { Runner } from '../runner/runner.js';
import type { CommandIO } from './io.js';
import { fileExists, parseLabels, readTokenFile, registerWith, registrationTokenOf, saveTokenFile, serverUrl } from './register.js';
import { UsageError } from './usage.js';

const HELP = `usage: plue-trigger runner --server URL --token-file FILE [--labels a,b] [--concurrency N]
       plue-trigger runner --server URL --token-file FILE --registration-token-file FILE [--name NAME] [--labels a,b]

Runs workflow tasks: claims them from the service, runs each in a temporary workspace with python3, and reports
logs and status. SIGTERM or Ctrl-C stops claiming; running tasks get --grace seconds to finish, then are given back.

Workflows run as this user: they can read what it can (the token file, this process's environment). Run
untrusted workflows only on a runner of their own, as a user (or in a container) of its own. See docs/runners.md.

  --server URL                    the plue-trigger service (default: $PLUE_URL)
  --token-file FILE               the file holding this runner's token (read once, at start)
  --registration-token-file FILE  register first when --token-file does not exist yet, and save the new token
                                  there (without --token-file: register anew at every start)
  --token TOKEN                   the runner token on the command line: other local users can see it (ps);
                                  prefer --token-file (default: $PLUE_RUNNER_TOKEN)
  --registration-token T          like --registration-token-file, on the command line
  --name NAME                     when registering: how the runner is shown (default: host name)
  --labels a,b                    when registering: the runner's labels; else: take only tasks that fit these
                                  (a subset of the registered labels)
  --concurrency N                 tasks run at once (default 1)
  --grace SECONDS                 on SIGTERM, how long running tasks may take to finish (default 30)`;

const OPTIONS = {
  server: { type: 'string' },
  token: { type: 'string' },
  'token-file': { type: 'string' },
  'registration-token': { type: 'string' },
  'registration-token-file': { type: 'string' },
  name: { type: 'string' },
  labels: { type: 'string' },
  concurrency: { type: 'string', default: '1' },
  grace: { type: 'string', default: '30' },
  help: { type: 'boolean', short: 'h' },
} as const;

type RunnerValues = ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS }>>['values'];

/**
 * The runner token: from --token-file, --token or $PLUE_RUNNER_TOKEN, or a new registration (saved in the
 * --token-file when one is named). `registered` says whether it was just made (its labels are then the ones asked).
 */
async function runnerToken(io: CommandIO, server: string, values: RunnerValues, labels: string[] | undefined): Promise<{ token: string; registered: boolean } | null> {
  const tokenFile = values['token-file'];
  if (values.token !== undefined && tokenFile !== undefined) throw new UsageError('give --token-file or --token, not both');
  if (values.token !== undefined) {
    io.err('warning: --token is visible to every user of this machine (ps, /proc); prefer --token-file');
    return { token: values.token, registered: false };
  }
  if (tokenFile !== undefined && (await fileExists(io, tokenFile))) return { token: await readTokenFile(io, tokenFile, 'runner token'), registered: false };
  const registrationToken = await registrationTokenOf(io, values);
  if (registrationToken === undefined) {
    if (tokenFile !== undefined) throw new UsageError(`${tokenFile} does not exist: add --registration-token-file to register this runner and save its token there`);
    if (io.env.PLUE_RUNNER_TOKEN) return { token: io.env.PLUE_RUNNER_TOKEN, registered: false };
    throw new UsageError('--token-file is required (or --registration-token-file, to register first)');
  }
  const registered = await registerWith(io, server, registrationToken, { name: values.name, labels: labels ?? [] });
  if (!registered) return null;
  if (tokenFile !== undefined) {
    await saveTokenFile(io, tokenFile, registered.token);
    io.err(`runner token saved in ${tokenFile}; later starts read it from there`);
  } else {
    io.err(`runner token (shown once; keep it in a file for --token-file): ${registered.token}`);
  }
  return { token: registered.token, registered: true };
}

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
  const credentials = await runnerToken(io, server, values, labels);
  if (!credentials) return 1;
  const { token } = credentials;
  // A new registration offers exactly these labels; otherwise they narrow what this process takes.
  const narrow = credentials.registered ? undefined : labels;

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
