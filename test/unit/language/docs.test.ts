// Every ```python block in docs/workflows.md carries `<!-- expect: ... -->` (either `valid` or a comma-separated
// list of `code line:column`), and a ```text block right after it, if any, is the exact `check` output.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkRepository, DIAGNOSTIC_CODES } from '../../../server/core/language/index.js';
import { checkOutput, codes, parse } from './parser.js';

interface Example {
  line: number;
  code: string;
  expected: string[] | undefined;
  output: string[] | undefined;
}

const DOC_PATH = new URL('../../../docs/workflows.md', import.meta.url);

function readExamples(markdown: string): Example[] {
  const lines = markdown.split('\n');
  const examples: Example[] = [];
  const blockAt = (start: number, language: string): { body: string[]; end: number } | undefined => {
    if (lines[start] !== '```' + language) return undefined;
    const end = lines.indexOf('```', start + 1);
    return { body: lines.slice(start + 1, end), end };
  };
  for (let i = 0; i < lines.length; i++) {
    const block = blockAt(i, 'python');
    if (block === undefined) continue;
    let previous = i - 1;
    while (previous >= 0 && lines[previous]?.trim() === '') previous--;
    const comment = /^<!-- expect: (.*) -->$/.exec(lines[previous] ?? '');
    const spec = comment?.[1]?.trim();
    const expected = spec === undefined ? undefined : spec === 'valid' ? [] : spec.split(',').map((s) => s.trim());
    let next = block.end + 1;
    while (next < lines.length && lines[next]?.trim() === '') next++;
    const output = blockAt(next, 'text')?.body;
    examples.push({ line: i + 1, code: `${block.body.join('\n')}\n`, expected, output });
    i = block.end;
  }
  return examples;
}

const examples = readExamples(readFileSync(DOC_PATH, 'utf8'));

describe('docs/workflows.md examples', () => {
  it('has python examples', () => {
    expect(examples.length).toBeGreaterThan(20);
  });

  it.each(examples.map((e) => [e.line, e] as const))('example at line %i', (_line, example) => {
    expect(example.expected, 'every python block needs an <!-- expect: ... --> comment').toBeDefined();
    const [file] = checkRepository([parse(example.code)]);
    expect(file).toBeDefined();
    if (file === undefined) return;
    expect(codes(file)).toEqual(example.expected);
    if (example.output !== undefined) expect(checkOutput(file)).toEqual(example.output);
  });
});

describe('docs/workflows.md diagnostics reference', () => {
  const markdown = readFileSync(DOC_PATH, 'utf8');

  it.each(DIAGNOSTIC_CODES.map((code) => [code]))('documents %s in its own section', (code) => {
    expect(markdown).toMatch(new RegExp(`^### \`${code}\``, 'm'));
    expect(markdown).toContain(`| [\`${code}\`](#`);
  });

  it('documents no other codes', () => {
    const documented = [...markdown.matchAll(/^### `([a-z0-9-]+)`/gm)].map((m) => m[1]);
    const triggerSections = ['push', 'pull_request', 'issue', 'chat', 'manual', 'schedule'];
    expect(documented.filter((c) => !triggerSections.includes(c as string)).sort()).toEqual([...DIAGNOSTIC_CODES].sort());
  });
});
