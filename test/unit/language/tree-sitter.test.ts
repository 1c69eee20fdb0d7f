import { describe, expect, it } from 'vitest';
import { loadPythonParser, pythonGrammarPath } from '../../../server/adapters/tree-sitter.js';

describe('loadPythonParser', () => {
  it('loads the grammar once per process', async () => {
    const [a, b] = await Promise.all([loadPythonParser(), loadPythonParser()]);
    expect(a).toBe(b);
    expect(await loadPythonParser()).toBe(a);
    expect(pythonGrammarPath()).toMatch(/tree-sitter-python\.wasm$/);
  });

  it('parses Python', async () => {
    const tree = (await loadPythonParser()).parse('x = 1\n');
    try {
      expect(tree?.rootNode.type).toBe('module');
    } finally {
      tree?.delete();
    }
  });
});
