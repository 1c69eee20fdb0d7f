import { randomBytes } from 'node:crypto';
import { recordAudit } from '../../adapters/db/audit.js';
import type { AuditActor } from '../../adapters/db/audit.js';
import type { Sql } from '../../adapters/db/connect.js';
import type { Queryable } from '../../adapters/db/queryable.js';
import { findRepository } from '../../adapters/db/repositories.js';
import { findApiToken, insertApiToken, revokeApiToken, touchApiToken } from '../../adapters/db/tokens.js';
import type { ApiTokenRow } from '../../adapters/db/tokens.js';
import { formatTokenScope, parseTokenScope } from '../../core/api/token-scope.js';
import type { TokenScope } from '../../core/api/token-scope.js';
import { hashToken } from '../runners/tokens.js';

// API tokens: random, shown once, stored as SHA-256 like runner tokens (docs/api.md, Authentication).

const PREFIX = 'pla_';

export class TokenScopeError extends Error {}

/** Tokens are made and revoked on the server's machine (`plue-trigger token`): the audit trail names that door. */
const TOKEN_CLI: AuditActor = { service: 'token-cli' };

/** Makes a token, audited `token.created` in the same transaction. */
export async function createApiToken(
  sql: Sql,
  options: { scope: string; readOnly?: boolean; name?: string; actor?: AuditActor },
): Promise<{ token: string; row: ApiTokenRow }> {
  const scope = parseTokenScope(options.scope);
  if (scope === null) throw new TokenScopeError(`scope must be \`admin\` or \`repo:OWNER/NAME\`, got \`${options.scope}\``);
  const token = PREFIX + randomBytes(32).toString('base64url');
  const row = await sql.begin(async (tx) => {
    const made = await insertApiToken(tx, {
      name: options.name ?? '', scope: formatTokenScope(scope), readOnly: options.readOnly ?? false, tokenHash: hashToken(token),
    });
    await auditToken(tx, 'token.created', made, scope, options.actor ?? TOKEN_CLI);
    return made;
  });
  return { token, row };
}

/** Revokes the live token with this id, audited `token.revoked`; false when there is none. */
export async function revokeApiTokenAudited(sql: Sql, id: number, actor: AuditActor = TOKEN_CLI): Promise<boolean> {
  return sql.begin(async (tx) => {
    const revoked = await revokeApiToken(tx, id);
    if (!revoked) return false;
    const scope = parseTokenScope(revoked.scope);
    await auditToken(tx, 'token.revoked', revoked, scope, actor);
    return true;
  });
}

/** A repository token's rows belong to its repository (when it is known), an admin token's to none. */
async function auditToken(
  tx: Queryable, kind: 'token.created' | 'token.revoked', token: ApiTokenRow, scope: TokenScope | null, actor: AuditActor,
): Promise<void> {
  const repository = scope?.kind === 'repo' ? await findRepository(tx, scope.owner, scope.name) : null;
  await recordAudit(tx, {
    repository_id: repository?.id ?? null, kind, actor,
    subject: { token_id: token.id }, detail: { scope: token.scope, read_only: token.read_only, name: token.name },
  });
}

/** The live token this secret is, or null. */
export async function authenticateApiToken(db: Queryable, token: string): Promise<ApiTokenRow | null> {
  if (token.length > 200) return null;
  const row = await findApiToken(db, hashToken(token));
  if (!row) return null;
  await touchApiToken(db, row.id);
  return row;
}
