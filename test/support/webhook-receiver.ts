// A real webhook receiver on loopback (node:http on port 0): keeps every request it gets, and answers as the test
// says (a status code, or `hang`: never answer).
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedDelivery {
  headers: IncomingHttpHeaders;
  body: Buffer;
  json: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** performance.now() when the body had arrived. */
  at: number;
}

export type Answer = number | 'hang';

export class WebhookReceiver {
  readonly received: ReceivedDelivery[] = [];
  /** What the next request gets; by default 200. */
  answer: (delivery: ReceivedDelivery) => Answer = () => 200;
  private readonly server: Server;
  private readonly sockets = new Set<import('node:net').Socket>();
  url = '';

  private constructor() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (c: Buffer) => chunks.push(c));
      request.on('end', () => {
        const body = Buffer.concat(chunks);
        const delivery = { headers: request.headers, body, json: JSON.parse(body.toString('utf8')), at: performance.now() };
        this.received.push(delivery);
        const answer = this.answer(delivery);
        if (answer === 'hang') return;
        response.writeHead(answer, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(port = 0): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    await new Promise<void>((resolve) => receiver.server.listen(port, '127.0.0.1', resolve));
    receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}/hook`;
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
