// When a transiently failed event is tried again: exponential backoff with full jitter (a uniformly random delay
// between 0 and the attempt's ceiling), so that the events of many repositories failing together (a database
// restart, say) do not all come back at the same instant.
// https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/

export interface BackoffPolicy {
  baseMs: number;
  factor: number;
  capMs: number;
}

export const EVENT_RETRY_BACKOFF: BackoffPolicy = { baseMs: 1_000, factor: 2, capMs: 5 * 60_000 };

/** The ceiling of the wait after the `attempt`-th attempt (1-based) failed: base × factor^(attempt − 1), capped. */
export function backoffCeilingMs(attempt: number, policy: BackoffPolicy = EVENT_RETRY_BACKOFF): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  // Past the cap the power only grows (and may reach Infinity): stop at the cap.
  return Math.min(policy.capMs, policy.baseMs * policy.factor ** exponent);
}

/** The wait before the next attempt, in whole milliseconds; `random` returns values in [0, 1) like Math.random. */
export function retryDelayMs(attempt: number, random: () => number = Math.random, policy: BackoffPolicy = EVENT_RETRY_BACKOFF): number {
  return Math.floor(random() * backoffCeilingMs(attempt, policy));
}
