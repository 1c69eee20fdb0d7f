import { ApiError, JsonClient } from '../http-client/json-client.js';
import { HttpTimeoutError } from '../http-client/request.js';
import type { CommandIO } from './io.js';
import { UsageError } from './usage.js';

// What the CLI's API commands (workflows, runs, dispatch, logs) share: their flags, the client, error reports.

export const DEFAULT_SERVER = 'http://127.0.0.1:4000';

/** Flags every API command takes. */
export const CLIENT_OPTIONS = {
  server: { type: 'string' },
  token: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export const CLIENT_HELP = `  --server URL    the plue-trigger service (default: $PLUE_URL, else ${DEFAULT_SERVER})
  --token T       an API token (default: $PLUE_TOKEN)
  --json          print the server's JSON reply`;

export function clientFrom(values: { server?: string; token?: string }, env: NodeJS.ProcessEnv): JsonClient {
  return new JsonClient(values.server ?? (env.PLUE_URL || DEFAULT_SERVER), { token: values.token ?? (env.PLUE_TOKEN || null) });
}

/** `OWNER/NAME` → the repository's API path. */
export function repoPath(text: string | undefined): string {
  const match = /^([^/\s]+)\/([^/\s]+)$/.exec(text ?? '');
  if (!match) throw new UsageError(`expected OWNER/REPO, got ${text === undefined ? 'nothing' : `"${text}"`}`);
  return `/api/repos/${encodeURIComponent(match[1]!)}/${encodeURIComponent(match[2]!)}`;
}

export function positiveInteger(text: string | undefined, what: string): number {
  const n = Number(text);
  if (text === undefined || !/^[0-9]+$/.test(text) || !Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`${what} must be a positive integer, got ${text === undefined ? 'nothing' : `"${text}"`}`);
  }
  return n;
}

const NO_TOKEN_HINT = 'hint: no token was given: export PLUE_TOKEN=$(plue-trigger token create --scope admin) on the '
  + "service's machine (or --scope repo:OWNER/NAME), or pass --token";

/**
 * Runs an API command: prints an API error (with each problem it names, and the server's hint) and returns 1, as
 * it happens. `client` (or its address) is the one the command used.
 */
export async function reportingApiErrors(io: CommandIO, client: JsonClient | string, work: () => Promise<number>): Promise<number> {
  const server = typeof client === 'string' ? client : client.server;
  try {
    return await work();
  } catch (error) {
    if (error instanceof ApiError) {
      io.err(`plue-trigger: ${error.message} (HTTP ${error.status} ${error.code})`);
      const details = error.details as { problems?: Array<{ field?: string; message?: string }>; hint?: unknown } | null;
      for (const p of Array.isArray(details?.problems) ? details.problems : []) io.err(`  - ${p.field ? `${p.field}: ` : ''}${p.message ?? ''}`);
      if (error.status === 401 && typeof client !== 'string' && !client.hasToken) io.err(NO_TOKEN_HINT);
      else if (typeof details?.hint === 'string') io.err(`hint: ${details.hint}`);
      return 1;
    }
    if (error instanceof HttpTimeoutError) {
      io.err(`plue-trigger: ${server} did not answer in time (${error.message})`);
      return 1;
    }
    const code = (error as { code?: string }).code;
    if (code && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH)$/.test(code)) {
      io.err(`plue-trigger: cannot reach ${server}: ${(error as Error).message}`);
      return 1;
    }
    throw error;
  }
}

/** Rows as aligned columns. */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)];
}
