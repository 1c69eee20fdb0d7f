import { isIP } from 'node:net';
import { refusedAddressReason } from './address.js';

// A hook's URL: only http and https; an address written in the URL is checked at once, a host name when it is
// resolved (at creation and again at every send, since its answers may change).

export type HookUrlCheck = { ok: true; url: URL; ipLiteral: string | null } | { ok: false; reason: string };

export function checkHookUrl(text: string, allowPrivate: boolean): HookUrlCheck {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: 'it is not an absolute URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: `only http and https are allowed, not ${url.protocol.slice(0, -1)}` };
  if (url.hostname === '') return { ok: false, reason: 'it has no host' };
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  const ipLiteral = isIP(host) === 0 ? null : host;
  if (ipLiteral !== null && !allowPrivate) {
    const refused = refusedAddressReason(ipLiteral);
    if (refused) return { ok: false, reason: refused };
  }
  return { ok: true, url, ipLiteral };
}
