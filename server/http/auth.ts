import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

// Every token travels as `Authorization: Bearer <token>`.

export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string' || !header.startsWith('Bearer ')) return null;
  const token = header.slice('Bearer '.length).trim();
  return token === '' ? null : token;
}

/** Constant-time comparison, so a wrong guess takes as long whatever prefix it shares with the secret. */
export function tokensEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
