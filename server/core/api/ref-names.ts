// Names the API takes from callers and hands to git: branch and tag names, full refs and commit ids. Checked here,
// before git sees them, so that no caller text is ever read by git as an option or a revision expression.

/** A full commit id: SHA-1 (40) or SHA-256 (64) hex digits. */
export const COMMIT_ID_PATTERN = '^([0-9a-f]{40}|[0-9a-f]{64})$';

export function isCommitId(text: string): boolean {
  return new RegExp(COMMIT_ID_PATTERN).test(text);
}

const MAX_REF_LENGTH = 1024;

/**
 * `git check-ref-format` rules for a ref name, with or without `refs/`: no empty, `.`-leading or `.lock`-ending
 * component, no `..`, `@{`, control characters, space, `~ ^ : ? * [ \`, no leading, trailing or double `/`, no
 * trailing `.`, not `@`. Plus: not starting with `-` (never an option), and at most 1024 characters.
 */
export function isValidRefName(name: string): boolean {
  if (name === '' || name === '@' || name.length > MAX_REF_LENGTH) return false;
  if (name.startsWith('-') || name.endsWith('.')) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?*[\\]|\.\.|@\{/.test(name)) return false;
  return name.split('/').every((part) => part !== '' && !part.startsWith('.') && !part.endsWith('.lock'));
}

/** The full refs a name given by a person may mean, in the order git would try them: a branch, then a tag. */
export function refCandidates(name: string): string[] {
  if (name.startsWith('refs/')) return [name];
  return [`refs/heads/${name}`, `refs/tags/${name}`];
}

/** `refs/heads/main` → `main`; other names unchanged. */
export function branchName(ref: string): string {
  return ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref;
}
