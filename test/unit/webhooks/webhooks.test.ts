import { describe, expect, it } from 'vitest';
import { refusedAddressReason } from '../../../server/core/webhooks/address.js';
import { deliveryOutcome } from '../../../server/core/webhooks/delivery-outcome.js';
import { checkHookUrl } from '../../../server/core/webhooks/hook-url.js';
import { webhookSignature } from '../../../server/core/webhooks/signature.js';

describe('refusedAddressReason', () => {
  it.each([
    ['127.0.0.1', /loopback/], ['127.255.0.9', /loopback/], ['::1', /loopback/], ['0.0.0.0', /unspecified/], ['::', /unspecified/],
    ['10.0.0.1', /RFC 1918/], ['172.16.0.1', /RFC 1918/], ['172.31.255.255', /RFC 1918/], ['192.168.1.1', /RFC 1918/],
    ['100.64.0.1', /CGNAT/], ['169.254.169.254', /link-local/], ['fe80::1', /link-local/], ['fd12:3456::1', /ULA/], ['fc00::1', /ULA/],
    ['224.0.0.1', /multicast/], ['ff02::1', /multicast/], ['255.255.255.255', /reserved|broadcast/],
    ['::ffff:127.0.0.1', /loopback/], ['::ffff:7f00:1', /loopback/], ['::ffff:10.1.2.3', /RFC 1918/], ['64:ff9b::a9fe:a9fe', /link-local/],
    ['[::1]', /loopback/], ['example.com', /not an IP/],
  ])('refuses %s', (address, reason) => {
    expect(refusedAddressReason(address)).toMatch(reason);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '203.0.113.9'])('allows %s', (address) => {
    expect(refusedAddressReason(address)).toBeNull();
  });
});

describe('checkHookUrl', () => {
  it.each([
    ['ftp://example.com/', false, /only http and https/], ['not a url', false, /absolute URL/], ['file:///etc/passwd', false, /only http/],
    ['http://127.0.0.1:8080/x', false, /loopback/], ['http://[::1]/', false, /loopback/], ['http://2130706433/', false, /loopback/],
    ['http://0x7f.1/', false, /loopback/],
  ])('refuses %s', (url, allowPrivate, reason) => {
    const checked = checkHookUrl(url, allowPrivate);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.reason).toMatch(reason);
  });

  it('allows private addresses with the setting, and leaves host names to the resolver', () => {
    expect(checkHookUrl('http://127.0.0.1:8080/x', true)).toMatchObject({ ok: true, ipLiteral: '127.0.0.1' });
    expect(checkHookUrl('https://hooks.example.com/plue', false)).toMatchObject({ ok: true, ipLiteral: null });
  });
});

describe('deliveryOutcome', () => {
  const settings = { baseMs: 10_000, maxAttempts: 12 };
  const half = () => 0.5;
  it.each([
    [{ statusCode: 200 }, 1, { kind: 'delivered' }],
    [{ statusCode: 204 }, 12, { kind: 'delivered' }],
    [{ statusCode: 500 }, 1, { kind: 'retry', delayMs: 5_000 }],
    [{ statusCode: 503 }, 3, { kind: 'retry', delayMs: 20_000 }],
    [{ statusCode: 408 }, 2, { kind: 'retry', delayMs: 10_000 }],
    [{ statusCode: 429 }, 11, { kind: 'retry', delayMs: 1_800_000 }], // capped at an hour
    [{ error: 'ECONNREFUSED' }, 1, { kind: 'retry', delayMs: 5_000 }],
    [{ error: 'no answer within 10000 ms' }, 12, { kind: 'failed', why: 'attempts' }],
    [{ statusCode: 502 }, 12, { kind: 'failed', why: 'attempts' }],
    [{ statusCode: 404 }, 1, { kind: 'failed', why: 'refused' }],
    [{ statusCode: 401 }, 1, { kind: 'failed', why: 'refused' }],
    [{ statusCode: 301 }, 1, { kind: 'failed', why: 'refused' }],
  ] as const)('%o on attempt %i → %o', (result, attempt, outcome) => {
    expect(deliveryOutcome(result, attempt, settings, half)).toEqual(outcome);
  });

  it('waits a random time below the ceiling (full jitter)', () => {
    expect(deliveryOutcome({ statusCode: 500 }, 4, settings, () => 0)).toEqual({ kind: 'retry', delayMs: 0 });
    expect(deliveryOutcome({ statusCode: 500 }, 4, settings, () => 0.999999)).toEqual({ kind: 'retry', delayMs: 79_999 });
  });
});

describe('webhookSignature', () => {
  it('is GitHub\'s HMAC-SHA256 of the exact bytes', () => {
    // The example of https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
    expect(webhookSignature("It's a Secret to Everybody", 'Hello, World!')).toBe('sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
  });
});
