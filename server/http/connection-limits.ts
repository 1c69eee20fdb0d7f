// Limits on what slow or greedy clients can hold: a whole request must arrive within its deadline (a body sent
// a byte at a time is cut off), idle connections close, and connections beyond a total or a per-address cap are
// closed as they arrive, so one client cannot use up the service's file descriptors.
import type { Server, Socket } from 'node:net';
import type { HttpLimits } from '../config.js';

/** Fastify's constructor options for the limits. */
export function serverTimeouts(limits: HttpLimits) {
  return {
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // Not an idle timeout on the socket: a runner's long poll is silent for up to its wait.
    connectionTimeout: 0,
    http: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      // How often node looks for requests past their deadline; its default is 30 s.
      connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
    },
  };
}

/** Caps open connections, in all and per remote address. */
export function capConnections(server: Server, limits: HttpLimits): void {
  server.maxConnections = limits.maxConnections;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const count = (open.get(address) ?? 0) + 1;
    if (count > limits.maxConnectionsPerAddress) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left === 0) open.delete(address);
      else open.set(address, left);
    });
  });
}
