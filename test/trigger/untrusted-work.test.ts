// The pool of worker threads that parses and matches repository content within a budget.
import { afterAll, describe, expect, it } from 'vitest';
import { UntrustedWork, UntrustedWorkError } from '../../server/services/untrusted/pool.js';

const CI = new TextEncoder().encode('from plue import workflow, push\n\n@workflow(on=push(branches=["main"]))\ndef ci(ctx):\n    pass\n');
const pools: UntrustedWork[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

function pool(options: ConstructorParameters<typeof UntrustedWork>[0] = {}): UntrustedWork {
  const work = new UntrustedWork(options);
  pools.push(work);
  return work;
}

const push = (ref: string) => ({
  kind: 'push' as const, ref, before: 'a'.repeat(40), after: 'b'.repeat(40), created: false, deleted: false, forced: false,
  changed_files: [], changed_files_truncated: false,
});

describe('untrusted work', () => {
  it('parses and matches in a worker thread', async () => {
    const work = pool();
    const files = await work.parse({ files: [{ path: '.plue/workflows/ci.py', bytes: CI }], maxBytes: 1 << 20 });
    expect(files[0]?.workflows.map((w) => w.name)).toEqual(['ci']);
    expect((await work.match(push('refs/heads/main'), files)).matched.map((m) => m.name)).toEqual(['ci']);
    expect((await work.match(push('refs/heads/dev'), files)).matched).toEqual([]);
  });

  it('stops a task over its time limit with a clear error, and goes on serving', async () => {
    const work = pool({ timeMs: 1000, threads: 1 });
    // Some tens of seconds of parsing on any machine.
    const many = Array.from({ length: 300_000 }, (_, i) => ({ path: `.plue/workflows/w${i}.py`, bytes: CI }));
    const error = await work.parse({ files: many, maxBytes: 1 << 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UntrustedWorkError);
    expect((error as Error).message).toBe('parsing 300000 workflow file(s) took longer than its limit of 1 s and was stopped');
    const files = await work.parse({ files: [{ path: '.plue/workflows/ci.py', bytes: CI }], maxBytes: 1 << 20 });
    expect(files[0]?.workflows).toHaveLength(1);
  });

  it('stops a task over its memory limit with a clear error, and goes on serving', async () => {
    const work = pool({ memoryMb: 16, threads: 1 });
    const many = Array.from({ length: 100_000 }, (_, i) => ({ path: `.plue/workflows/w${i}.py`, bytes: CI }));
    const error = await work.parse({ files: many, maxBytes: 1 << 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UntrustedWorkError);
    expect((error as Error).message).toBe('parsing 100000 workflow file(s) ran out of its memory limit and was stopped');
    expect(await work.parse({ files: [{ path: '.plue/workflows/ci.py', bytes: CI }], maxBytes: 1 << 20 })).toHaveLength(1);
  });
});
