import { createHmac } from 'node:crypto';

// GitHub's X-Hub-Signature-256, under our name: HMAC-SHA256 of the exact body bytes, hex, prefixed `sha256=`.
// https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
export function webhookSignature(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
