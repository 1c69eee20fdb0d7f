import { readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ApiError } from '../http-client/json-client.js';
import { RunnerClient } from '../runner/client.js';
import type { CommandIO } from './io.js';
import { UsageError } from './usage.js';

const HELP = `usage: plue-trigger register --server URL --registration-token-file FILE [--token-file FILE] [--name NAME] [--labels a,b]

Registers a runner and prints its token (shown only this once) on standard output, or saves it with --token-file.

  --server URL                    the plue-trigger service (default: $PLUE_URL)
  --registration-token-file FILE  the service's runner registration token, read from FILE
  --registration-token T          the same, given on the command line (other local users can see it in ps)
                                  (default: $PLUE_RUNNER_REGISTRATION_TOKEN)
  --token-file FILE               save the new runner token in FILE (created readable by you only) instead of
                                  printing it; pass the same --token-file to 'plue-trigger runner'
  --name NAME                     how the runner is shown (default: this host's name)
  --labels a,b                    labels offered to workflows' runs_on (default: none)`;

const OPTIONS = {
  server: { type: 'string' },
  'registration-token': { type: 'string' },
  'registration-token-file': { type: 'string' },
  'token-file': { type: 'string' },
  name: { type: 'string' },
  labels: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * A token kept in a file: its content, trimmed, read once. Files are how tokens stay out of the process list
 * (`ps`, /proc/PID/cmdline), which every user of the machine can read.
 */
export async function readTokenFile(io: CommandIO, file: string, what: string): Promise<string> {
  const resolved = path.resolve(io.cwd, file);
  let text: string;
  try {
    text = await readFile(resolved, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read the ${what} from ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const token = text.trim();
  if (token === '' || /\s/.test(token)) throw new UsageError(`${file} must hold the ${what} and nothing else`);
  const { mode } = await stat(resolved);
  if ((mode & 0o077) !== 0) io.err(`warning: other users can read ${file} (mode ${(mode & 0o777).toString(8)}); run chmod 600 ${file}`);
  return token;
}

/** Saves a new runner token in a file only this user can read; never over an existing file. */
export async function saveTokenFile(io: CommandIO, file: string, token: string): Promise<void> {
  try {
    await writeFile(path.resolve(io.cwd, file), `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    throw new UsageError(`cannot save the runner token in ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

export async function fileExists(io: CommandIO, file: string): Promise<boolean> {
  return stat(path.resolve(io.cwd, file)).then(() => true, () => false);
}

/** `--registration-token-file`, `--registration-token` or `fallback`; undefined when none is given. */
export async function registrationTokenOf(
  io: CommandIO,
  values: { 'registration-token'?: string; 'registration-token-file'?: string },
  fallback?: string,
): Promise<string | undefined> {
  if (values['registration-token'] !== undefined && values['registration-token-file'] !== undefined) {
    throw new UsageError('give --registration-token-file or --registration-token, not both');
  }
  if (values['registration-token-file'] !== undefined) return readTokenFile(io, values['registration-token-file'], 'registration token');
  if (values['registration-token'] !== undefined) {
    io.err('warning: --registration-token is visible to every user of this machine (ps, /proc); prefer --registration-token-file');
    return values['registration-token'];
  }
  return fallback || undefined;
}

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
    const reason = error instanceof ApiError ? `${error.message} (HTTP ${error.status} ${error.code})` : `cannot reach ${server}: ${(error as Error).message}`;
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
  const registrationToken = await registrationTokenOf(io, values, io.env.PLUE_RUNNER_REGISTRATION_TOKEN);
  if (!registrationToken) throw new UsageError('--registration-token-file is required');
  const tokenFile = values['token-file'];
  if (tokenFile !== undefined && (await fileExists(io, tokenFile))) throw new UsageError(`${tokenFile} already exists; it may hold a runner's token`);
  const registered = await registerWith(io, server, registrationToken, { name: values.name, labels: parseLabels(values.labels) });
  if (!registered) return 1;
  if (tokenFile === undefined) {
    io.out(registered.token);
    return 0;
  }
  await saveTokenFile(io, tokenFile, registered.token);
  io.err(`runner token saved in ${tokenFile}`);
  return 0;
}
