import type { IncomingMessage } from 'node:http';
import { httpRequest, readText } from '../runner/http.js';
import type { CommandIO } from './io.js';
import { UsageError } from './usage.js';

// The user API over HTTP, for the CLI commands (workflows, runs, dispatch, logs). node:http, not fetch (see
// server/runner/http.ts).

export const DEFAULT_SERVER = 'http://127.0.0.1:4000';

/** The server answered with an error (`{"error": {code, message, details}}`), or not with JSON. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly details: unknown = null) {
    super(message);
  }
}

export interface ApiReply<T> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | undefined>;
}

export class ApiClient {
  readonly server: string;

  constructor(server: string, private readonly token: string | null) {
    this.server = server.replace(/\/+$/, '');
  }

  async request<T>(method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<ApiReply<T>> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await httpRequest(`${this.server}${path}`, {
      method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const text = await readText(response.body);
    let body: unknown = null;
    try {
      body = text === '' ? null : JSON.parse(text);
    } catch {
      throw new ApiError(response.status, 'not_json', `${this.server} answered HTTP ${response.status} with something that is not JSON`);
    }
    if (response.status >= 400) {
      const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
      throw new ApiError(response.status, String(error?.code ?? 'error'), String(error?.message ?? `HTTP ${response.status}`), error?.details ?? null);
    }
    return { status: response.status, body: body as T, headers: (response.body as IncomingMessage).headers ?? {} };
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path).then((r) => r.body);
  }

  post<T>(path: string, body: unknown = {}, headers: Record<string, string> = {}): Promise<T> {
    return this.request<T>('POST', path, { body, headers }).then((r) => r.body);
  }
}

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

export function clientFrom(values: { server?: string; token?: string }, env: NodeJS.ProcessEnv): ApiClient {
  return new ApiClient(values.server ?? (env.PLUE_URL || DEFAULT_SERVER), values.token ?? (env.PLUE_TOKEN || null));
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

/** Runs an API command: prints an API error (with each problem it names) and returns 1, as it happens. */
export async function reportingApiErrors(io: CommandIO, server: string, work: () => Promise<number>): Promise<number> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ApiError) {
      io.err(`plue-trigger: ${error.message} (HTTP ${error.status} ${error.code})`);
      const problems = (error.details as { problems?: Array<{ field?: string; message?: string }> } | null)?.problems;
      for (const p of Array.isArray(problems) ? problems : []) io.err(`  - ${p.field ? `${p.field}: ` : ''}${p.message ?? ''}`);
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
