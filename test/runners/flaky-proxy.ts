// A proxy between a runner and its server that can go silent (accept requests and never answer, as a server
// behind a dead network path does) or hold back chosen requests, to see what the runner does about its lease.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FlakyProxy {
  url: string;
  /** Requests from now on get no answer at all. */
  silent: boolean;
  /** How long to hold back a request before passing it on, by its method, path and body; 0 passes at once. */
  holdBack: (request: { method: string; path: string; body: string }) => number;
  close(): Promise<void>;
}

export async function startFlakyProxy(target: string): Promise<FlakyProxy> {
  const upstream = new URL(target);
  const proxy: FlakyProxy = { url: '', silent: false, holdBack: () => 0, close: async () => {} };
  const upstreams = new Set<http.ClientRequest>();
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (proxy.silent) return; // never answered
      const body = Buffer.concat(chunks);
      const wait = proxy.holdBack({ method: request.method ?? 'GET', path: request.url ?? '/', body: body.toString('utf8') });
      setTimeout(() => {
        if (proxy.silent) return;
        const forwarded = http.request({
          host: upstream.hostname, port: upstream.port, method: request.method, path: request.url,
          headers: { ...request.headers, host: upstream.host },
        }, (reply) => {
          response.writeHead(reply.statusCode ?? 502, reply.headers);
          reply.pipe(response);
        });
        forwarded.on('error', () => response.destroy());
        // A client that goes away (an aborted long poll) takes its upstream request with it, as a direct
        // connection would: the server then gives back a task it could not deliver.
        response.on('close', () => {
          if (!response.writableFinished) forwarded.destroy();
        });
        upstreams.add(forwarded);
        forwarded.on('close', () => upstreams.delete(forwarded));
        forwarded.end(body);
      }, wait);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = async () => {
    for (const upstream of upstreams) upstream.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return proxy;
}
