import http from 'node:http';
import https from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';

// The transport under the JSON client: a small HTTP/1.1 client on node:http. Not fetch: Node 20's fetch opens a
// spare connection after an aborted request and leaves it without a request, which keeps a stopping server
// waiting on it for its header timeout; a runner aborts its long-poll claim on every shutdown.
//
// Every request has a time limit: a runner that waits forever on a silent server would keep running a task whose
// lease is long gone.

export interface HttpResponse {
  status: number;
  body: Readable;
}

export interface HttpRequestOptions {
  method: string;
  headers: Record<string, string>;
  body?: string;
  /** Aborts the request, or the reading of its body. */
  signal?: AbortSignal;
  /** The whole exchange, body read included, must end within this. */
  timeoutMs?: number;
  /** Without a single byte in either direction for this long, the request fails (for streamed bodies). */
  idleTimeoutMs?: number;
}

/** The server did not answer (or stopped sending) in time. */
export class HttpTimeoutError extends Error {
  override name = 'TimeoutError';
}

const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

export function httpRequest(url: string, options: HttpRequestOptions): Promise<HttpResponse> {
  const target = new URL(url);
  const transport = target.protocol === 'https:' ? https : http;
  // A timer of our own, not AbortSignal.timeout() under AbortSignal.any(): `any` holds its sources weakly, and a
  // timeout signal collected as garbage never fires (a request to a silent server then waited forever).
  const limit = new AbortController();
  const timer = options.timeoutMs === undefined ? null : setTimeout(() => limit.abort(), options.timeoutMs);
  timer?.unref(); // the socket keeps the process alive while the request lasts
  const onCallerAbort = () => limit.abort();
  options.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const signal = limit.signal;
  if (options.signal?.aborted) limit.abort();
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onCallerAbort);
      reject(reasonOf(options));
      return;
    }
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const request = transport.request(target, {
      method: options.method,
      headers: { ...options.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
      agent: agents[target.protocol as keyof typeof agents],
    });
    let response: IncomingMessage | null = null;
    // Until the body has been read: an abort or a time-out then ends the body's stream with the error.
    const onAbort = () => {
      const error = reasonOf(options);
      if (response) response.destroy(error);
      else request.destroy(error);
    };
    const done = () => {
      signal.removeEventListener('abort', onAbort);
      options.signal?.removeEventListener('abort', onCallerAbort);
      if (timer) clearTimeout(timer);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    if (options.idleTimeoutMs !== undefined) {
      request.setTimeout(options.idleTimeoutMs, () => {
        const error = new HttpTimeoutError(`${options.method} ${target.pathname}: nothing received for ${options.idleTimeoutMs} ms`);
        if (response) response.destroy(error);
        else request.destroy(error);
      });
    }
    request.on('error', (error) => {
      done();
      reject(error);
    });
    request.on('response', (incoming) => {
      response = incoming;
      incoming.once('close', done);
      resolve({ status: incoming.statusCode ?? 0, body: incoming });
    });
    request.end(body);
  });
}

export async function readText(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function reasonOf(options: HttpRequestOptions): Error {
  if (options.signal?.aborted) {
    const error = new Error('the request was aborted');
    error.name = 'AbortError';
    return error;
  }
  // Not the caller's signal: our own time limit fired.
  return new HttpTimeoutError(`no complete reply within ${options.timeoutMs} ms`);
}
