import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';

// A small HTTP/1.1 client on node:http. Not fetch: Node 20's fetch opens a spare connection after an aborted
// request and leaves it without a request, which keeps a stopping server waiting on it for its header timeout;
// a runner aborts its long-poll claim on every shutdown.

export interface HttpResponse {
  status: number;
  body: Readable;
}

const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

export function httpRequest(
  url: string,
  options: { method: string; headers: Record<string, string>; body?: string; signal?: AbortSignal },
): Promise<HttpResponse> {
  const target = new URL(url);
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(abortError());
      return;
    }
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const request = transport.request(target, {
      method: options.method,
      headers: { ...options.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
      agent: agents[target.protocol as keyof typeof agents],
    });
    const onAbort = () => request.destroy(abortError());
    options.signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', (error) => {
      options.signal?.removeEventListener('abort', onAbort);
      reject(error);
    });
    request.on('response', (response) => {
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ status: response.statusCode ?? 0, body: response });
    });
    request.end(body);
  });
}

export async function readText(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function abortError(): Error {
  const error = new Error('the request was aborted');
  error.name = 'AbortError';
  return error;
}
