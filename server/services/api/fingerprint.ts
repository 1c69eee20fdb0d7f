import { createHash } from 'node:crypto';

// An Idempotency-Key (or a host's delivery id) names one request: a retry must send the same request again.
// The fingerprint tells a true retry from a different request that reuses a key.

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}

export function requestFingerprint(request: unknown): string {
  return createHash('sha256').update(JSON.stringify(canonical(request)) ?? 'undefined').digest('hex');
}
