// Reading workflows at a commit through the parse cache, with more files than the cache holds.
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gitRepository } from '../../server/adapters/git/index.js';
import { loadPythonParser } from '../../server/adapters/tree-sitter.js';
import { parseWorkflowFile } from '../../server/core/language/index.js';
import { WorkflowSource } from '../../server/services/trigger/workflow-source.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, push, removeTempDirs } from '../git/fixtures.js';

afterAll(removeTempDirs);

const workflow = (i: number) => `from plue import workflow\n\n@workflow(name="W${i}", on="push")\ndef w${i}(ctx):\n    pass\n`;

describe('the parse cache', () => {
  it('serves a commit with more files than it holds, again and again, and forgets the oldest', async () => {
    const bare = await createBareRepo(path.join(await createTempDir('plue-repos-'), 'acme', 'many.git'));
    const work = await createWorkRepo(bare);
    const files = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`.plue/workflows/w${String(i).padStart(2, '0')}.py`, workflow(i)]));
    const first = await commitFiles(work, files, 'sixty workflows');
    const second = await commitFiles(work, { '.plue/workflows/w00.py': workflow(100) }, 'one changed');
    await push(work, 'main');
    const parser = await loadPythonParser();
    let parsed = 0;
    const source = new WorkflowSource({
      parse: async (task) => task.files.map((f) => (parsed++, parseWorkflowFile(parser, f.path, f.bytes, { maxBytes: task.maxBytes }))),
      maxBytes: 1 << 20,
      cacheBytes: 1000, // a few of the files
    });
    const git = gitRepository(bare);
    for (const commit of [first, second, first, second]) {
      const loaded = await source.load(git, commit);
      expect(loaded).toHaveLength(60);
      expect(loaded.every((f) => f.diagnostics.length === 0 && f.workflows.length === 1)).toBe(true);
    }
    expect(parsed).toBeGreaterThan(60); // forgotten files were parsed again
    // Loads side by side push each other's blobs out between listing and reading.
    const small = new WorkflowSource({
      parse: async (task) => task.files.map((f) => parseWorkflowFile(parser, f.path, f.bytes, { maxBytes: task.maxBytes })),
      maxBytes: 1 << 20, cacheBytes: 300,
    });
    const side = await Promise.all(Array.from({ length: 40 }, (_, i) => small.load(git, i % 2 === 0 ? first : second)));
    expect(side.every((loaded) => loaded.length === 60 && loaded.every((f) => f.workflows.length === 1))).toBe(true);
  });

  it('gives a commit whose workflow files are those of one read before the same list, checked once', async () => {
    const bare = await createBareRepo(path.join(await createTempDir('plue-repos-'), 'acme', 'same.git'));
    const work = await createWorkRepo(bare);
    const first = await commitFiles(work, { '.plue/workflows/a.py': workflow(1), '.plue/workflows/b.py': workflow(1) }, 'two, one name');
    const unrelated = await commitFiles(work, { 'src/app.py': 'print(1)\n' }, 'not a workflow');
    const changed = await commitFiles(work, { '.plue/workflows/b.py': workflow(2) }, 'b renamed its workflow');
    await push(work, 'main');
    const parser = await loadPythonParser();
    const source = new WorkflowSource({
      parse: async (task) => task.files.map((f) => parseWorkflowFile(parser, f.path, f.bytes, { maxBytes: task.maxBytes })),
      maxBytes: 1 << 20,
    });
    const git = gitRepository(bare);
    const [atFirst, atUnrelated, atChanged] = [await source.load(git, first), await source.load(git, unrelated), await source.load(git, changed)];
    // Two workflows named alike: the repository check's diagnostic, on the list given again.
    expect(atFirst.some((f) => f.diagnostics.some((d) => d.severity === 'error'))).toBe(true);
    expect(atUnrelated).toBe(atFirst);
    expect(atChanged).not.toBe(atFirst);
    expect(atChanged.every((f) => f.diagnostics.length === 0)).toBe(true);
  });

  it('reads at most maxFiles files of a commit; the others are an error each', async () => {
    const bare = await createBareRepo(path.join(await createTempDir('plue-repos-'), 'acme', 'capped.git'));
    const work = await createWorkRepo(bare);
    const commit = await commitFiles(work, { '.plue/workflows/a.py': workflow(1), '.plue/workflows/b.py': workflow(2), '.plue/workflows/c.py': workflow(3) }, 'three');
    await push(work, 'main');
    const parser = await loadPythonParser();
    const source = new WorkflowSource({
      parse: async (task) => task.files.map((f) => parseWorkflowFile(parser, f.path, f.bytes, { maxBytes: task.maxBytes })),
      maxBytes: 1 << 20, maxFiles: 2,
    });
    const loaded = await source.load(gitRepository(bare), commit);
    expect(loaded.map((f) => [f.path, f.workflows.length, f.diagnostics.map((d) => d.code)])).toEqual([
      ['.plue/workflows/a.py', 1, []], ['.plue/workflows/b.py', 1, []], ['.plue/workflows/c.py', 0, ['too-many-files']],
    ]);
  });
});
