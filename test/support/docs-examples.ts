// Examples from the docs that tests run for real: the first ```python block after a heading.
import { readFileSync } from 'node:fs';

export function pythonExampleAfter(doc: 'workflows.md' | 'runners.md' | 'api.md', heading: string, index = 0): string {
  const markdown = readFileSync(new URL(`../../docs/${doc}`, import.meta.url), 'utf8');
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`docs/${doc} has no heading "${heading}"`);
  const blocks = [...markdown.slice(start).matchAll(/^```python\n([\s\S]*?)^```$/gm)];
  const block = blocks[index]?.[1];
  if (block === undefined) throw new Error(`docs/${doc} has no python example ${index} after "${heading}"`);
  return block;
}
