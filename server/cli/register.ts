import os from 'node:os';
import { parseArgs } from 'node:util';
import { ProtocolError, RunnerClient } from '../runner/client.js';
import type { CommandIO } from './io.js';
import { UsageError } from './usage.js';

const HELP = `usage: plue-trigger register --server URL --registration-token TOKEN [--name NAME] [--labels a,b]

Registers a runner and prints its token (shown only this once) on standard output.

  --server URL               the plue-trigger service (default: $PLUE_URL)
  --registration-token T     the service's runner registration token
                             (default: $PLUE_RUNNER_REGISTRATION_TOKEN)
  --name NAME                how the runner is shown (default: this host's name)
  --labels a,b               labels offered to workflows' runs_on (default: none)`;

const OPTIONS = {
  server: { type: 'string' },
  'registration-token': { type: 'string' },
  name: { type: 'string' },
  labels: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseLabels(text: string | undefined): string[] {
  return (text ?? '').split(',').map((l) => l.trim()).filter((l) => l !== '');
}

export function serverUrl(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const url = flag ?? env.PLUE_URL;
  if (!url) throw new UsageError('--server URL is required (or set PLUE_URL)');
  return url;
}

export async function registerWith(
  io: CommandIO,
  server: string,
  registrationToken: string,
  runner: { name?: string; labels: string[] },
): Promise<{ id: number; token: string } | null> {
  try {
    const reply = await RunnerClient.register(server, registrationToken, {
      name: runner.name || os.hostname(), labels: runner.labels, version: 'plue-trigger reference runner',
    });
    io.err(`registered runner ${reply.runner.id} "${reply.runner.name}" with labels [${reply.runner.labels.join(', ')}]`);
    return { id: reply.runner.id, token: reply.token };
  } catch (error) {
    const reason = error instanceof ProtocolError ? error.message : `cannot reach ${server}: ${(error as Error).message}`;
    io.err(`plue-trigger: registration failed: ${reason}`);
    return null;
  }
}

export async function runRegister(argv: string[], io: CommandIO): Promise<number> {
  const { values } = parseArgs({ args: argv, options: OPTIONS });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const server = serverUrl(values.server, io.env);
  const registrationToken = values['registration-token'] ?? io.env.PLUE_RUNNER_REGISTRATION_TOKEN;
  if (!registrationToken) throw new UsageError('--registration-token is required');
  const registered = await registerWith(io, server, registrationToken, { name: values.name, labels: parseLabels(values.labels) });
  if (!registered) return 1;
  io.out(registered.token);
  return 0;
}
