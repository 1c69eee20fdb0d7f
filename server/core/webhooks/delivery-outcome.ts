import { retryDelayMs } from '../trigger/retry-backoff.js';
import type { BackoffPolicy } from '../trigger/retry-backoff.js';

// What one attempt at a delivery means: delivered, try again later, or a dead letter. Like GitHub, any 2xx is
// delivered; a 3xx is not followed, and fails like a 4xx: a redirect is the hook's configuration to fix.
// https://docs.github.com/en/webhooks/using-webhooks/handling-failed-webhook-deliveries

export interface RetrySettings {
  /** PLUE_WEBHOOK_RETRY_BASE_MS: the ceiling of the first wait. */
  baseMs: number;
  /** PLUE_WEBHOOK_MAX_ATTEMPTS: attempts before a retryable failure is a dead letter. */
  maxAttempts: number;
}

/** Doubling from the base, at most an hour: with the defaults (10 s, 12 attempts) retries spread over hours. */
export function webhookBackoff(baseMs: number): BackoffPolicy {
  return { baseMs, factor: 2, capMs: 60 * 60_000 };
}

export type AttemptResult = { statusCode: number } | { error: string };
export type DeliveryOutcome =
  | { kind: 'delivered' }
  | { kind: 'retry'; delayMs: number }
  | { kind: 'failed'; why: 'refused' | 'attempts' };

function retryable(result: AttemptResult): boolean {
  if ('error' in result) return true; // transport errors and timeouts
  const code = result.statusCode;
  return code === 408 || code === 429 || code >= 500;
}

/** The outcome of attempt number `attempt` (1-based); `random` as Math.random, for the jitter. */
export function deliveryOutcome(result: AttemptResult, attempt: number, settings: RetrySettings, random: () => number = Math.random): DeliveryOutcome {
  if ('statusCode' in result && result.statusCode >= 200 && result.statusCode < 300) return { kind: 'delivered' };
  if (!retryable(result)) return { kind: 'failed', why: 'refused' };
  if (attempt >= settings.maxAttempts) return { kind: 'failed', why: 'attempts' };
  return { kind: 'retry', delayMs: retryDelayMs(attempt, random, webhookBackoff(settings.baseMs)) };
}
