// Formatting for skip reasons, so every reason reads the same way: names in backticks, lists in brackets.

/** `value` in backticks. */
export function quoted(value: string): string {
  return `\`${value}\``;
}

/** A filter list as written by the user: `[main, release/*]`. */
export function listed(values: readonly string[]): string {
  return `[${values.join(', ')}]`;
}

/** Several triggers of one kind failed: keep each distinct reason once, in trigger order. */
export function combineReasons(reasons: readonly string[]): string {
  return [...new Set(reasons)].join('; ');
}
