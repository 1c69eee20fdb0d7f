import { randomBytes } from 'node:crypto';
import type { Queryable } from '../../adapters/db/queryable.js';
import { findApiToken, insertApiToken, touchApiToken } from '../../adapters/db/tokens.js';
import type { ApiTokenRow } from '../../adapters/db/tokens.js';
import { formatTokenScope, parseTokenScope } from '../../core/api/token-scope.js';
import { hashToken } from '../runners/tokens.js';

// API tokens: random, shown once, stored as SHA-256 like runner tokens (docs/api.md, Authentication).

const PREFIX = 'pla_';

export class TokenScopeError extends Error {}

export async function createApiToken(
  db: Queryable,
  options: { scope: string; readOnly?: boolean; name?: string },
): Promise<{ token: string; row: ApiTokenRow }> {
  const scope = parseTokenScope(options.scope);
  if (scope === null) throw new TokenScopeError(`scope must be \`admin\` or \`repo:OWNER/NAME\`, got \`${options.scope}\``);
  const token = PREFIX + randomBytes(32).toString('base64url');
  const row = await insertApiToken(db, {
    name: options.name ?? '', scope: formatTokenScope(scope), readOnly: options.readOnly ?? false, tokenHash: hashToken(token),
  });
  return { token, row };
}

/** The live token this secret is, or null. */
export async function authenticateApiToken(db: Queryable, token: string): Promise<ApiTokenRow | null> {
  if (token.length > 200) return null;
  const row = await findApiToken(db, hashToken(token));
  if (!row) return null;
  await touchApiToken(db, row.id);
  return row;
}
