import { describe, expect, it } from 'vitest';
import { checkRepository } from '../../../server/core/language/index.js';
import type { ParsedFile } from '../../../server/core/language/index.js';
import { codes, parse } from './parser.js';

describe('checkRepository', () => {
  it('reports a duplicate name on the later workflow, ordered by path then line', () => {
    const b = parse('@workflow(name="Build", on="push")\ndef build(): pass\n', { path: '.plue/workflows/b.py' });
    const a = parse('@workflow(name="Build", on="chat")\ndef one(): pass\n\n@workflow(name="Build", on="push")\ndef two(): pass\n', { path: '.plue/workflows/a.py' });
    const [checkedB, checkedA] = checkRepository([b, a]);
    expect(codes(checkedA as ParsedFile)).toEqual(['duplicate-name 4:16']);
    expect(codes(checkedB as ParsedFile)).toEqual(['duplicate-name 1:16']);
    expect(checkedB?.diagnostics[0]?.message).toBe(
      'A workflow named `Build` is already defined at .plue/workflows/a.py:2; give this one another `name=`.',
    );
  });

  it('points at the name= value, also in a constant', () => {
    const files = [
      parse('@workflow(on="push", name="x")\ndef a(): pass\n', { path: '.plue/workflows/a.py' }),
      parse('NAME = "x"\n\n@workflow(on="push",\n          name=NAME)\ndef b(): pass\n', { path: '.plue/workflows/b.py' }),
    ];
    expect(checkRepository(files).map(codes)).toEqual([[], ['duplicate-name 1:8']]);
  });

  it('compares default names too, and keeps the input order and paths', () => {
    const files = [
      parse('@workflow(on="push")\ndef ci(): pass\n', { path: '.plue/workflows/z.py' }),
      parse('@workflow(on="push", name="z")\ndef other(): pass\n', { path: '.plue/workflows/ci.py' }),
    ];
    const checked = checkRepository(files);
    expect(checked.map((f) => f.path)).toEqual(['.plue/workflows/z.py', '.plue/workflows/ci.py']);
    expect(checked.map(codes)).toEqual([['duplicate-name 2:1'], []]);
  });

  it('does not change its input', () => {
    const files = [
      parse('@workflow(on="push", name="x")\ndef a(): pass\n', { path: '.plue/workflows/a.py' }),
      parse('@workflow(on="push", name="x")\ndef b(): pass\n', { path: '.plue/workflows/b.py' }),
    ];
    const before = structuredClone(files);
    const checked = checkRepository(files);
    expect(files).toEqual(before);
    expect(checked[1]).not.toBe(files[1]);
    expect(checked[1]?.workflows[0]).not.toBe(files[1]?.workflows[0]);
  });

  it('leaves distinct names alone', () => {
    const files = [parse('@workflow(on="push", name="a")\ndef a(): pass\n@workflow(on="push", name="b")\ndef b(): pass\n')];
    expect(checkRepository(files).map(codes)).toEqual([[]]);
  });
});
