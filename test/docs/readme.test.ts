import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../server/cli/main.js';
import { createTempDir, git, removeTempDirs } from '../git/fixtures.js';
import { linkedBinDir } from '../support/cli-process.js';
import { loadPythonParser } from '../../server/adapters/tree-sitter.js';
import { parseWorkflowFile } from '../../server/core/language/index.js';
import { loadConfig } from '../../server/config.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const shBlocks = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
afterAll(removeTempDirs);

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

  it('never tells anyone to type npx plue-trigger (npx looks the name up in the public registry)', () => {
    const docs = readdirSync(new URL('../../docs/', import.meta.url)).map((name) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8'));
    for (const text of [readme, ...docs]) expect(text).not.toMatch(/npx plue-trigger/);
  });

  it('names only commands that exist', () => {
    const lines = shBlocks.flatMap((block) => block.split('\n')).map((line) => /(?:^|\$\(|<\()plue-trigger (\S+)/.exec(line)?.[1]).filter((w) => w !== undefined);
    expect(lines.length).toBeGreaterThan(10);
    for (const word of lines) expect(['--version', '--help', ...Object.keys(COMMANDS)]).toContain(word);
  });

  it('checks workflows as shown, typed in a clone of the demo repository with plue-trigger linked on PATH', async () => {
    const block = shBlocks.find((b) => b.startsWith('plue-trigger check'))!;
    const root = await createTempDir('plue-readme-');
    const clone = path.join(root, 'test-repo');
    await cp(new URL('../../test-repo', import.meta.url).pathname, clone, { recursive: true });
    await git(['init', '-q'], clone);
    const PATH = [await linkedBinDir(root), path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter);
    for (const line of block.split('\n').filter((l) => l.trim() !== '')) {
      const { stdout } = await promisify(execFile)('bash', ['-c', `${line}\necho "exit $?"`], { cwd: path.join(clone, 'src'), env: { PATH, HOME: root } });
      expect({ line, exit: stdout.trim().split('\n').at(-1) }).toEqual({ line, exit: 'exit 0' });
    }
  });
});
