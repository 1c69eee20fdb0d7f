import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadPythonParser } from '../../server/adapters/tree-sitter.js';
import { parseWorkflowFile } from '../../server/core/language/index.js';
import { loadConfig } from '../../server/config.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('opens with the install-and-start and install-and-test commands that package.json provides', () => {
    const firstBlock = readme.slice(readme.indexOf('```sh'), readme.indexOf('```', readme.indexOf('```sh') + 5));
    expect(firstBlock).toContain('npm install && npm start');
    expect(firstBlock).toContain('npm install && npm test');
    const scripts = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).scripts;
    expect(scripts.start).toBeDefined();
    expect(scripts.test).toBeDefined();
  });

  it('shows a workflow that checks clean', async () => {
    const parser = await loadPythonParser();
    const blocks = [...readme.matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThan(0);
    for (const block of blocks) {
      const parsed = parseWorkflowFile(parser, '.plue/workflows/example.py', block);
      expect(parsed.diagnostics).toEqual([]);
      expect(parsed.workflows.length).toBeGreaterThan(0);
    }
  });

  it('documents every setting the service reads', () => {
    const settings = readFileSync(new URL('../../server/config.ts', import.meta.url), 'utf8').match(/env(?:\.|, ')([A-Z_]+)/g) ?? [];
    const names = new Set(settings.map((s) => s.replace(/^env(\.|, ')/, '')));
    expect(names.size).toBeGreaterThan(5);
    for (const name of names) expect(readme, `README should document ${name}`).toContain(`\`${name}\``);
    expect(loadConfig({}, '/srv').port).toBe(4000);
  });

  it('names every benchmark, each of which CI runs in quick mode', () => {
    const scripts = Object.keys(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).scripts);
    const benches = scripts.filter((name) => name.startsWith('bench:'));
    const ci = readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8');
    expect(benches.length).toBeGreaterThan(0);
    expect([...readme.matchAll(/`npm run (bench:\w+)`/g)].map((m) => m[1])).toEqual(benches);
    for (const bench of benches) expect(ci, `.ci/run should run ${bench}`).toContain(`BENCH_QUICK=1 npm run ${bench}\n`);
  });
});
