// What an API token may do. Pure: the scope text and the request's repository in, a verdict out.

export type TokenScope = { kind: 'admin' } | { kind: 'repo'; owner: string; name: string };
/** `admin`: a write only an admin token may make (retrying a dead letter). */
export type Access = 'read' | 'write' | 'admin';

export function parseTokenScope(text: string): TokenScope | null {
  if (text === 'admin') return { kind: 'admin' };
  const match = /^repo:([^/\s]+)\/([^/\s]+)$/.exec(text);
  return match ? { kind: 'repo', owner: match[1]!, name: match[2]! } : null;
}

export function formatTokenScope(scope: TokenScope): string {
  return scope.kind === 'admin' ? 'admin' : `repo:${scope.owner}/${scope.name}`;
}

/**
 * Null when the token may do `access` on the repository; otherwise why not (a 403). A route about no one repository
 * (`repository` null: the runners, which serve them all) is for admin tokens.
 */
export function tokenRefusal(
  token: { scope: string; read_only: boolean },
  repository: { owner: string; name: string } | null,
  access: Access,
): string | null {
  const scope = parseTokenScope(token.scope);
  if (scope === null) return `the token's scope \`${token.scope}\` is not understood`;
  if (repository === null && scope.kind !== 'admin') return 'this is about every repository: it needs an admin token';
  if (repository !== null && scope.kind === 'repo' && (scope.owner !== repository.owner || scope.name !== repository.name)) {
    return `the token is scoped to ${scope.owner}/${scope.name}, not ${repository.owner}/${repository.name}`;
  }
  if (access === 'admin' && scope.kind !== 'admin') return 'this needs an admin token';
  if (access !== 'read' && token.read_only) return 'the token is read-only';
  return null;
}
