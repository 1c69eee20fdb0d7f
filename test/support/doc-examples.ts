// The request examples of a document (a ```sh request block followed by its ```json reply NNN block), and the
// comparison of a reply with the documented one: `"<…>"` stands for any present value, and an object with a
// `"…"` key may have more keys than it lists. Used by the tests that run docs/api.md and docs/runners.md.

export interface Example {
  title: string;
  command: string;
  reply: { kind: 'json' | 'text'; status: number | null; body: string };
}

export function examplesOf(markdown: string): Example[] {
  const blocks = [...markdown.matchAll(/^```([^\n]*)\n([\s\S]*?)^```$/gm)].map((m) => ({ info: m[1]!.trim(), text: m[2]!, at: m.index }));
  const examples: Example[] = [];
  blocks.forEach((block, i) => {
    if (block.info !== 'sh request') return;
    const reply = blocks[i + 1];
    const match = /^(json|text) reply(?: (\d{3}))?$/.exec(reply?.info ?? '');
    if (!reply || !match) throw new Error(`the request example at offset ${block.at} has no reply block after it`);
    const heading = [...markdown.slice(0, block.at).matchAll(/^#{2,3} (.+)$/gm)].at(-1)?.[1] ?? '';
    const method = /-X (\w+)/.exec(block.text)?.[1] ?? 'GET';
    const route = /\$PLUE_URL(\/[^"\s?]*)/.exec(block.text)?.[1] ?? '?';
    examples.push({
      title: `${heading}: ${method} ${route} → ${match[2] ?? 'output'}`,
      command: block.text.trim(),
      reply: { kind: match[1] as 'json' | 'text', status: match[2] ? Number(match[2]) : null, body: reply.text },
    });
  });
  return examples;
}

export function matchesDocumented(actual: unknown, expected: unknown): boolean {
  if (typeof expected === 'string' && /^<.*>$/s.test(expected)) return actual !== undefined && actual !== null;
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => matchesDocumented(actual[i], e));
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
    const partial = Object.hasOwn(expected, '…');
    const keys = Object.keys(expected).filter((k) => k !== '…');
    return (partial || keys.length === Object.keys(actual).length)
      && keys.every((k) => matchesDocumented((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k]));
  }
  return Object.is(actual, expected);
}
