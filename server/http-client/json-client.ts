import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { httpRequest, readText } from './request.js';

// The one JSON client of the service's HTTP API, for the CLI and the reference runner. Every request has a time
// limit (`HttpTimeoutError` past it), and every error reply becomes an `ApiError`.

/** The server answered with an error (`{"error": {code, message, details}}`), or not with JSON. */
export class ApiError extends Error {
  override name = 'ApiError';

  constructor(readonly status: number, readonly code: string, message: string, readonly details: unknown = null) {
    super(message);
  }
}

export interface JsonRequestOptions {
  body?: unknown;
  /** Overrides the client's token for this request; null sends none. */
  token?: string | null;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Overrides the client's time limit for this request. */
  timeoutMs?: number;
}

export interface JsonReply<T> {
  status: number;
  /** null for 204 and for an empty body. */
  body: T;
  headers: IncomingHttpHeaders;
}

/** How long a request may take, unless told otherwise. */
export const DEFAULT_TIMEOUT_MS = 30_000;

export class JsonClient {
  readonly server: string;
  readonly timeoutMs: number;
  private readonly token: string | null;

  constructor(server: string, options: { token?: string | null; timeoutMs?: number } = {}) {
    this.server = server.replace(/\/+$/, '');
    this.token = options.token ?? null;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  async request<T>(method: string, path: string, options: JsonRequestOptions = {}): Promise<JsonReply<T>> {
    const headers: Record<string, string> = { accept: 'application/json', ...this.authorization(options.token), ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await httpRequest(this.server + path, {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      timeoutMs: options.timeoutMs ?? this.timeoutMs,
    });
    const replyHeaders = (response.body as IncomingMessage).headers ?? {};
    const text = await readText(response.body);
    if (response.status < 200 || response.status > 299) throw errorOf(response.status, text);
    if (text === '') return { status: response.status, body: null as T, headers: replyHeaders };
    try {
      return { status: response.status, body: JSON.parse(text) as T, headers: replyHeaders };
    } catch {
      throw new ApiError(response.status, 'not_json', `${this.server} answered HTTP ${response.status} with something that is not JSON`);
    }
  }

  get<T>(path: string, options: JsonRequestOptions = {}): Promise<T> {
    return this.request<T>('GET', path, options).then((r) => r.body);
  }

  post<T>(path: string, body: unknown = {}, options: JsonRequestOptions = {}): Promise<T> {
    return this.request<T>('POST', path, { ...options, body }).then((r) => r.body);
  }

  /**
   * A large reply read as it comes (an archive): the body's stream once the status is 200. It fails when the
   * server sends nothing for the client's time limit, however long the whole takes.
   */
  async stream(path: string, options: Pick<JsonRequestOptions, 'token' | 'signal'> = {}): Promise<Readable> {
    const response = await httpRequest(this.server + path, {
      method: 'GET', headers: this.authorization(options.token), ...(options.signal ? { signal: options.signal } : {}), idleTimeoutMs: this.timeoutMs,
    });
    if (response.status !== 200) throw errorOf(response.status, await readText(response.body).catch(() => ''));
    return response.body;
  }

  /** Whether requests carry a token unless told otherwise. */
  get hasToken(): boolean {
    return this.token !== null;
  }

  private authorization(token: string | null | undefined): Record<string, string> {
    const chosen = token === undefined ? this.token : token;
    return chosen ? { authorization: `Bearer ${chosen}` } : {};
  }
}

function errorOf(status: number, text: string): ApiError {
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: report the text
  }
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  if (typeof error?.code !== 'string') return new ApiError(status, 'http_error', text.slice(0, 300) || `HTTP ${status}`);
  return new ApiError(status, error.code, String(error.message ?? `HTTP ${status}`), error.details ?? null);
}
