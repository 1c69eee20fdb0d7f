// A proxy between a runner and its server that can go silent (accept requests and never answer, as a server
// behind a dead network path does) or hold back chosen requests until something has happened, to see what the
// runner does about its lease. Tests wait on what reaches it, never on the clock.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  method: string;
  path: string;
  body: string;
}

export interface FlakyProxy {
  url: string;
  /** Requests from now on get no answer at all. */
  silent: boolean;
  /** Holds a request back until the returned promise settles; undefined passes it on at once. */
  holdBack: (request: ProxiedRequest) => Promise<unknown> | undefined;
  /** Resolves when the `count`-th request from now that `matches` has reached the proxy. */
  arrivals(matches: (request: ProxiedRequest) => boolean, count?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startFlakyProxy(target: string): Promise<FlakyProxy> {
  const upstream = new URL(target);
  const watchers = new Set<(request: ProxiedRequest) => void>();
  const proxy: FlakyProxy = {
    url: '', silent: false, holdBack: () => undefined, close: async () => {},
    arrivals: (matches, count = 1) => new Promise<void>((resolve) => {
      let seen = 0;
      const watch = (request: ProxiedRequest) => {
        if (!matches(request) || ++seen < count) return;
        watchers.delete(watch);
        resolve();
      };
      watchers.add(watch);
    }),
  };
  const upstreams = new Set<http.ClientRequest>();
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (proxy.silent) return; // never answered
      const body = Buffer.concat(chunks);
      const seen = { method: request.method ?? 'GET', path: request.url ?? '/', body: body.toString('utf8') };
      const held = proxy.holdBack(seen);
      for (const watch of [...watchers]) watch(seen);
      const forward = () => {
        // A request whose client is gone (or that arrived as the proxy closed) must not reach the server: nobody
        // would get its reply, and a claim would hold a task for a runner that is not there.
        if (proxy.silent || closed || response.destroyed) return;
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
      };
      if (held) void held.then(forward, () => response.destroy());
      else forward();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closed = false;
  proxy.close = async () => {
    closed = true;
    for (const upstream of upstreams) upstream.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  return proxy;
}
