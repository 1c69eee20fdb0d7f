// The catalogue of diagnostic codes. Codes are stable: tools and users match on them.
// Each is documented, with an example, in docs/workflows.md (a test checks that).

export const DIAGNOSTIC_CODES = [
  'syntax-error', 'missing-token', 'not-utf8', 'file-too-large', 'no-workflows', 'misplaced-workflow',
  'no-triggers', 'unknown-event', 'unknown-trigger', 'unknown-keyword', 'duplicate-keyword', 'positional-argument',
  'wrong-type', 'non-static', 'conflicting-filters', 'bad-glob', 'bad-ref-pattern', 'bad-path-pattern', 'regex-escape',
  'single-character-set', 'path-whitespace', 'bad-cron', 'bad-timezone', 'unknown-type', 'bad-input',
  'choice-without-options', 'default-not-in-options', 'bad-concurrency', 'shared-concurrency-group', 'duplicate-trigger', 'follows-itself', 'duplicate-name',
  'duplicate-function', 'internal-error',
] as const;

export type DiagnosticCode = (typeof DIAGNOSTIC_CODES)[number];
