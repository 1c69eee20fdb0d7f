import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { asError } from '../../logger.js';
import type { Sql } from './connect.js';

// One LISTEN that survives a lost connection. postgres.js shares one LISTEN connection among all channels of a
// pool and listens again after it drops, but gives up when the database is still down then; a self-addressed ping
// finds that out, and we listen anew. Either way notifications sent meanwhile are lost: `relistened` tells the
// owner to look again for whatever it was waiting on.

export interface ListenerHandlers {
  /** A notification on the channel (pings excluded). */
  notified(payload: string): void;
  /** Listening again after a lost connection: notifications may have been missed. */
  relistened(): void;
}

const PING_PREFIX = 'ping:';

export class ResilientListener {
  private listener: { unlisten(): Promise<void> } | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly pingId = randomBytes(6).toString('hex');
  private pingsSent = 0;
  private pingsHeard = 0;
  private listens = 0;

  constructor(
    private readonly sql: Sql,
    private readonly log: Logger,
    readonly channel: string,
    private readonly handlers: ListenerHandlers,
    /** How often to check that the connection still hears us. Default 30 s. */
    private readonly pingMs = 30_000,
  ) {}

  async start(): Promise<void> {
    await this.listen();
    this.pingTimer = setInterval(() => void this.check(), this.pingMs).unref();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pingTimer) clearInterval(this.pingTimer);
    await this.listener?.unlisten().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    this.listener = await this.sql.listen(this.channel, (payload) => this.onNotify(payload), () => this.onListen());
  }

  private onNotify(payload: string): void {
    if (payload.startsWith(PING_PREFIX)) {
      if (payload === `${PING_PREFIX}${this.pingId}:${this.pingsSent}`) this.pingsHeard = this.pingsSent;
      return;
    }
    this.handlers.notified(payload);
  }

  private onListen(): void {
    this.listens++;
    if (this.listens > 1) {
      this.log.info(`${this.channel}: listening again after a lost connection`);
      this.handlers.relistened();
    }
  }

  private async check(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.pingsHeard !== this.pingsSent) {
        this.log.warn(`${this.channel}: the LISTEN connection is not hearing pings; listening again`);
        await this.listener?.unlisten().catch(() => undefined);
        await this.listen(); // its onlisten says `relistened`
      }
      this.pingsSent++;
      await this.sql`select pg_notify(${this.channel}, ${`${PING_PREFIX}${this.pingId}:${this.pingsSent}`})`;
    } catch (error) {
      this.log.warn({ err: asError(error) }, `${this.channel}: cannot check the LISTEN connection`);
    }
  }
}
