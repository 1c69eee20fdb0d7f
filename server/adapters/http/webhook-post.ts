import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { checkHookUrl } from '../../core/webhooks/hook-url.js';
import { refusedAddressReason } from '../../core/webhooks/address.js';

// One webhook POST. The host name is resolved here and every answer checked; the connection goes to the address
// checked, so a DNS answer that changes between the check and the connect (rebinding) cannot slip through.
// Redirects are not followed (node's http never does): a 3xx is the attempt's result.

export class WebhookRefused extends Error {}

export interface PostOptions {
  timeoutMs: number;
  allowPrivate: boolean;
  /** Aborts the request (the service stopping). */
  signal?: AbortSignal;
}

/** A lookup that refuses private answers: `family` and `all` as node asks. */
function checkedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refused = allowPrivate ? null : addresses.map((a) => refusedAddressReason(a.address)).find((r) => r !== null);
      if (refused) return callback(new WebhookRefused(`${hostname} resolves to a refused address: ${refused}`), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (!first) return callback(new Error(`${hostname} has no address`), '', 0);
      callback(null, first.address, first.family);
    });
  };
}

/** Resolves `hostname` and returns why it is refused, or null (unresolvable names are left to send time). */
export async function refusedHostReason(hostname: string): Promise<string | null> {
  return new Promise((resolve) => {
    dnsLookup(hostname, { all: true }, (error, addresses) => {
      if (error) return resolve(null);
      resolve(addresses.map((a) => refusedAddressReason(a.address)).find((r) => r !== null) ?? null);
    });
  });
}

/** Posts `body`; resolves with the status code (the body is read and dropped), rejects on transport errors. */
export async function postWebhook(urlText: string, headers: Record<string, string>, body: string, options: PostOptions): Promise<number> {
  const checked = checkHookUrl(urlText, options.allowPrivate);
  if (!checked.ok) throw new WebhookRefused(checked.reason);
  const { url } = checked;
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<number>((resolve, reject) => {
    const request = client.request(url, {
      method: 'POST',
      headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
      lookup: checkedLookup(options.allowPrivate),
      timeout: options.timeoutMs,
      agent: false,
      signal: options.signal,
    }, (response) => {
      response.on('data', () => undefined);
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', reject);
    });
    // The socket's idle timeout; a receiver dripping bytes is cut by the overall deadline below.
    request.on('timeout', () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    const deadline = setTimeout(() => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    request.on('close', () => clearTimeout(deadline));
    request.on('error', reject);
    request.end(body);
  });
}
