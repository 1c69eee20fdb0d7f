// The one JSON client, against real loopback servers: replies, error replies, and a server that never answers.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, JsonClient } from '../../server/http-client/json-client.js';
import { HttpTimeoutError } from '../../server/http-client/request.js';

let server: http.Server;
let url: string;
const seen: Array<{ method?: string; url?: string; authorization?: string; body: string }> = [];

beforeAll(async () => {
  server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      seen.push({ method: request.method, url: request.url, authorization: request.headers.authorization, body });
      const send = (status: number, text: string, type = 'application/json') => response.writeHead(status, { 'content-type': type }).end(text);
      if (request.url === '/ok') send(200, '{"a":1}');
      else if (request.url === '/empty') response.writeHead(204).end();
      else if (request.url === '/refused') send(409, '{"error":{"code":"run_finished","message":"run 1 has already finished","details":{"status":"success"}}}');
      else if (request.url === '/proxy-error') send(502, '<html>bad gateway</html>', 'text/html');
      else if (request.url === '/not-json') send(200, 'hello', 'text/plain');
      // '/silent': never answers
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('JsonClient', () => {
  it('sends JSON with the token and reads JSON back', async () => {
    const client = new JsonClient(`${url}/`, { token: 'pla_x' });
    expect(await client.post('/ok', { b: 2 })).toEqual({ a: 1 });
    expect(seen.at(-1)).toEqual({ method: 'POST', url: '/ok', authorization: 'Bearer pla_x', body: '{"b":2}' });
    expect(await client.get('/empty', { token: null })).toBeNull();
    expect(seen.at(-1)?.authorization).toBeUndefined();
  });

  it('turns an error reply into an ApiError with its status, code, message and details', async () => {
    const error = await new JsonClient(url).get('/refused').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect({ ...(error as ApiError), message: (error as ApiError).message }).toMatchObject({
      status: 409, code: 'run_finished', message: 'run 1 has already finished', details: { status: 'success' },
    });
  });

  it('reports a reply that is not the API\'s', async () => {
    await expect(new JsonClient(url).get('/proxy-error')).rejects.toMatchObject({ status: 502, code: 'http_error', message: '<html>bad gateway</html>' });
    await expect(new JsonClient(url).get('/not-json')).rejects.toMatchObject({ status: 200, code: 'not_json' });
  });

  it('gives up on a server that never answers, after its time limit', async () => {
    await expect(new JsonClient(url, { timeoutMs: 200 }).get('/silent')).rejects.toBeInstanceOf(HttpTimeoutError);
    await expect(new JsonClient(url).get('/silent', { timeoutMs: 200 })).rejects.toBeInstanceOf(HttpTimeoutError);
  });
});
