// The `concurrency` group template: plain text with `{ref}`, `{workflow}` and `{event}` placeholders.

export const CONCURRENCY_PLACEHOLDERS = ['ref', 'workflow', 'event'] as const;

/** Why `template` is not a valid concurrency group, or null when it is. */
export function concurrencyError(template: string): string | null {
  if (template.trim() === '') return 'the concurrency group is empty';
  let i = 0;
  while (i < template.length) {
    const char = template[i];
    if (char === '}') return `the \`}\` at character ${i + 1} closes no placeholder`;
    if (char !== '{') {
      i += 1;
      continue;
    }
    const end = template.indexOf('}', i + 1);
    if (end < 0) return `the \`{\` at character ${i + 1} is never closed`;
    const name = template.slice(i + 1, end);
    if (!(CONCURRENCY_PLACEHOLDERS as readonly string[]).includes(name)) {
      return `\`{${name}}\` is not a placeholder; use {ref}, {workflow} or {event}`;
    }
    i = end + 1;
  }
  return null;
}
