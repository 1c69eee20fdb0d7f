import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { Sql } from '../../adapters/db/connect.js';
import { ResilientListener } from '../../adapters/db/listener.js';
import { OUTBOX_CHANNEL, claimDeliveries, expandOutbox, nextDeliveryDue, recordAttempt } from '../../adapters/db/webhook-deliveries.js';
import type { AttemptRecord, ClaimedDelivery } from '../../adapters/db/webhook-deliveries.js';
import { WebhookRefused, postWebhook } from '../../adapters/http/webhook-post.js';
import { deliveryOutcome } from '../../core/webhooks/delivery-outcome.js';
import type { AttemptResult } from '../../core/webhooks/delivery-outcome.js';
import type { WebhookSettings } from '../../config.js';
import { webhookPayload } from '../../core/webhooks/payload.js';
import { webhookSignature } from '../../core/webhooks/signature.js';
import { asError } from '../../logger.js';

// Turns outbox rows into webhook deliveries and sends them. Every replica runs one: outbox rows and due
// deliveries are taken with SKIP LOCKED, so each is handled by one replica; a replica that dies mid-send leaves
// its delivery due again once its lease runs out, and it goes out again with the same X-Plue-Delivery.
// Woken by NOTIFY plue_outbox (a trigger on the outbox), by its own sends ending, and by a slow poll.

export interface WebhookSenderOptions {
  /** Where runs are read (the payloads' `url`s). */
  serverUrl: string;
  /** The longest sleep between looks. Default 1 s. */
  pollMs?: number;
  /** Outbox rows expanded per transaction. Default 500. */
  expandBatch?: number;
  /** Deliveries in flight at once. Default 32. */
  concurrency?: number;
}

const USER_AGENT = 'plue-trigger';

export class WebhookSender {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private listener: ResilientListener | null = null;

  constructor(
    private readonly sql: Sql,
    private readonly log: Logger,
    private readonly settings: WebhookSettings,
    private readonly options: WebhookSenderOptions,
  ) {}

  async start(): Promise<void> {
    setMaxListeners(0, this.abort.signal); // one listener per delivery in flight
    this.listener = new ResilientListener(this.sql, this.log, OUTBOX_CHANNEL, { notified: () => this.kick(), relistened: () => this.kick() });
    await this.listener.start();
    this.kick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.listener?.close();
    this.abort.abort();
    await this.running;
    await Promise.allSettled([...this.inFlight]);
  }

  /** Look now: new outbox rows, or a delivery that may go. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = this.pass()
      .catch((error: unknown) => this.log.warn({ err: asError(error) }, 'webhooks: cannot send deliveries'))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.kick();
        } else void this.sleep();
      });
  }

  private async pass(): Promise<void> {
    const batch = this.options.expandBatch ?? 500;
    while (!this.stopped && (await expandOutbox(this.sql, batch, (change) => webhookPayload(change, this.options.serverUrl))) === batch);
    const room = (this.options.concurrency ?? 32) - this.inFlight.size;
    if (this.stopped || room <= 0) return;
    const claimed = await claimDeliveries(this.sql, room, this.settings.timeoutMs + 10_000);
    for (const delivery of claimed) {
      const sending: Promise<void> = this.send(delivery)
        .catch((error: unknown) => this.log.warn({ err: asError(error), delivery: delivery.delivery_uuid }, 'webhooks: cannot record an attempt'))
        .finally(() => {
          this.inFlight.delete(sending);
          this.kick(); // the next delivery of its run may go now
        });
      this.inFlight.add(sending);
    }
    if (claimed.length === room) this.again = true;
  }

  private async sleep(): Promise<void> {
    if (this.stopped || this.running) return;
    const pollMs = this.options.pollMs ?? 1000;
    let wait = pollMs;
    try {
      const due = await nextDeliveryDue(this.sql);
      if (due) wait = Math.max(0, Math.min(pollMs, due.getTime() - Date.now()));
    } catch {
      // the poll covers it
    }
    if (this.stopped || this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.kick(), wait);
    this.timer.unref();
  }

  private async send(delivery: ClaimedDelivery): Promise<void> {
    let result: AttemptResult;
    let refused = false;
    try {
      const statusCode = await postWebhook(delivery.url, {
        'Content-Type': 'application/json',
        'User-Agent': USER_AGENT,
        'X-Plue-Event': delivery.event,
        'X-Plue-Delivery': delivery.delivery_uuid,
        'X-Plue-Signature-256': webhookSignature(delivery.secret, delivery.payload),
      }, delivery.payload, { timeoutMs: this.settings.timeoutMs, allowPrivate: this.settings.allowPrivate, signal: this.abort.signal });
      result = { statusCode };
    } catch (error) {
      refused = error instanceof WebhookRefused;
      result = { error: asError(error).message };
    }
    const outcome = deliveryOutcome(result, delivery.attempts, this.settings);
    const statusCode = 'statusCode' in result ? result.statusCode : null;
    const error = 'error' in result ? result.error : `the receiver answered ${statusCode}`;
    let record: AttemptRecord;
    if (outcome.kind === 'delivered') record = { status: 'delivered', statusCode: statusCode! };
    else if (outcome.kind === 'retry' && !refused) record = { status: 'pending', statusCode, error, retryInMs: outcome.delayMs };
    else record = { status: 'failed', statusCode, error };
    if (record.status === 'failed') {
      this.log.info({ delivery: delivery.delivery_uuid, attempts: delivery.attempts, error }, 'webhooks: a delivery failed (dead letter)');
    }
    await recordAttempt(this.sql, delivery, record);
  }
}
