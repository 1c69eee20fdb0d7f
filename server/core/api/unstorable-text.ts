// PostgreSQL cannot store a NUL character in text, nor a lone UTF-16 surrogate (or NUL) in jsonb, and deeply
// nested JSON is both useless and a stack hazard for the serialisers. Found here, before any of it reaches SQL.

export interface UnstorableProblem {
  /** Where, as a JSON pointer (`/payload/title`); '' for the value itself. */
  path: string;
  problem: 'nul' | 'lone-surrogate' | 'too-deep';
  /** What is wrong there, e.g. `contains a NUL character, which cannot be stored`. */
  message: string;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function textProblem(text: string): 'nul' | 'lone-surrogate' | null {
  if (text.includes('\u0000')) return 'nul';
  return LONE_SURROGATE.test(text) ? 'lone-surrogate' : null;
}

const MESSAGES = {
  'nul': 'contains a NUL character, which cannot be stored',
  'lone-surrogate': 'contains a lone UTF-16 surrogate (not valid Unicode)',
  'too-deep': 'is nested too deeply',
} as const;

const escape = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** The first string or key that cannot be stored, or nesting deeper than `maxDepth`; null when all is well. */
export function findUnstorableText(value: unknown, maxDepth = 32): UnstorableProblem | null {
  // Iterative, so a hostile depth cannot overflow the stack here either.
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    const found = (problem: UnstorableProblem['problem'], path = item.path): UnstorableProblem =>
      ({ path, problem, message: MESSAGES[problem] });
    if (typeof item.value === 'string') {
      const problem = textProblem(item.value);
      if (problem) return found(problem);
      continue;
    }
    if (item.value === null || typeof item.value !== 'object') continue;
    if (item.depth >= maxDepth) return found('too-deep');
    const entries = Array.isArray(item.value) ? item.value.map((v, i) => [String(i), v] as const) : Object.entries(item.value);
    for (const [key, child] of entries) {
      const path = `${item.path}/${escape(key)}`;
      const keyProblem = textProblem(key);
      if (keyProblem) return found(keyProblem, path);
      stack.push({ value: child, path, depth: item.depth + 1 });
    }
  }
  return null;
}
