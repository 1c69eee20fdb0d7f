// Robustness: parseWorkflowFile never throws, keeps every position inside the file, and stays fast,
// for random and mutated input, pathological nesting, NUL bytes and invalid UTF-8.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ParsedFile } from '../../../server/core/language/index.js';
import { parseWorkflowFile } from '../../../server/core/language/index.js';
import { cpuMs } from '../../support/cpu-time.js';
import { parser } from './parser.js';

// Generous: a typical file takes well under a millisecond. In CPU time: the whole suite runs beside this.
const MAX_CPU_MS_PER_INPUT = 2000;

const VALID_FILES = [
  `from plue import workflow, push, pull_request, schedule, manual
import os

MAIN = ["main", "release/*"]

def helper(items):
    return [i for i in items if i]

@workflow(
    name="CI",  # comment
    on=[push(branches=MAIN, paths_ignore=["docs/**"]), pull_request(types=["opened"]), "chat"],
    runs_on=("linux", "x64"),
    concurrency="{workflow}-{ref}",
    cancel_in_progress=True,
)
async def ci(ctx):
    await ctx.run("npm test")

@workflow(on=[schedule(cron="0 3 * * MON-FRI"), manual(inputs={"env": {"type": "choice", "options": ["a", "b"], "default": "a"}})])
def nightly(ctx):
    pass
`,
  `import plue as p\nfrom plue import workflow as wf\n\n@wf(on=p.issue(types="commented"), agent=True)\ndef triage(ctx): ...\n`,
  `# é😀 non-ASCII\r\n@workflow(name="héllo", on="dispatch")\r\ndef f(ctx):\r\n    return "😀"\r\n`,
];

const encoder = new TextEncoder();

/** Parses and checks the invariants; returns the result for further checks. */
function check(content: string | Uint8Array, maxBytes?: number): ParsedFile {
  const started = cpuMs();
  const file = parseWorkflowFile(parser, '.plue/workflows/x.py', content, maxBytes === undefined ? {} : { maxBytes });
  expect(cpuMs() - started).toBeLessThan(MAX_CPU_MS_PER_INPUT);
  expect(file.diagnostics.filter((d) => d.code === 'internal-error')).toEqual([]);
  const text = typeof content === 'string' ? content : new TextDecoder().decode(content);
  const lines = text.split('\n');
  for (const d of file.diagnostics) {
    expect(Number.isInteger(d.line) && Number.isInteger(d.column)).toBe(true);
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(d.line).toBeLessThanOrEqual(lines.length + 1);
    expect(d.column).toBeGreaterThanOrEqual(1);
    // For decodable files, the column also lies within its line (or just past its end).
    if (d.code !== 'not-utf8') expect(d.column).toBeLessThanOrEqual((lines[d.line - 1]?.length ?? 0) + 2);
    expect(d.message.length).toBeGreaterThan(0);
  }
  for (const w of file.workflows) {
    expect(w.line).toBeGreaterThanOrEqual(1);
    expect(w.line).toBeLessThanOrEqual(lines.length);
  }
  return file;
}

type Mutation =
  | { kind: 'cut'; at: number }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'insert'; at: number; bytes: number[] }
  | { kind: 'swap'; a: number; b: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 20 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.array(
      fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(...encoder.encode('()[]{}"\'\\:,=@#\n \t\0'))),
      { minLength: 1, maxLength: 8 },
    ),
  }),
  fc.record({ kind: fc.constant('swap' as const), a: fc.nat(), b: fc.nat() }),
);

function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let out = Array.from(bytes);
  for (const m of mutations) {
    const size = out.length + 1;
    if (m.kind === 'cut') out = out.slice(0, m.at % size);
    else if (m.kind === 'delete') out.splice(m.at % size, m.length);
    else if (m.kind === 'insert') out.splice(m.at % size, 0, ...m.bytes);
    else if (out.length > 0) {
      const a = m.a % out.length;
      const b = m.b % out.length;
      [out[a], out[b]] = [out[b] as number, out[a] as number];
    }
  }
  return new Uint8Array(out);
}

const PYTHON_TOKENS = [
  '@workflow', '@plue.workflow', '(', ')', '[', ']', '{', '}', 'on=', 'name=', 'triggers=', 'push', 'pull_request',
  'schedule', 'manual', 'inputs=', 'cron=', 'timezone=', '"Europe/Berlin"', '"push"', '"0 3 * * *"', "'x'", 'f"{x}"', '"""doc"""', 'b"x"', '1', '-',
  '2.5', '1j', 'True', 'None', ',', ':', '=', '\n', '    ', 'def ', 'f(ctx)', 'async ', 'class ', 'if x', 'else',
  'import plue', 'from plue import workflow as wf', 'X', ' = ', '*', '**', '#', '\\', '\0', 'é', '😀', '\r\n', '.',
];

describe('parseWorkflowFile robustness', () => {
  it('handles mutated valid files (bytes cut, deleted, inserted, swapped)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...VALID_FILES), fc.array(mutation, { minLength: 1, maxLength: 6 }), (source, mutations) => {
        check(mutate(encoder.encode(source), mutations));
      }),
      { numRuns: 1500 },
    );
  });

  it('handles random Python-like token soup', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PYTHON_TOKENS), { maxLength: 80 }), (tokens) => {
        check(tokens.join(''));
        check(`@workflow(on=${tokens.join('')})\ndef f(): pass\n`);
      }),
      { numRuns: 1500 },
    );
  });

  it('handles arbitrary bytes and arbitrary UTF-16 strings', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        check(bytes);
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 200 }), (units) => {
        check(String.fromCharCode(...units));
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    ['10,000 unclosed [', `x = ${'['.repeat(10_000)}`],
    ['10,000 unclosed [ in a decorator', `@workflow(on=${'['.repeat(10_000)}\ndef f(): pass\n`],
    ['10,000 nested lists in a decorator', `@workflow(on=${'['.repeat(10_000)}${']'.repeat(10_000)})\ndef f(): pass\n`],
    ['10,000 nested parentheses in a constant', `ON = ${'('.repeat(10_000)}"push"${')'.repeat(10_000)}\n@workflow(on=ON)\ndef f(): pass\n`],
    ['10,000 nested parentheses as a target', `${'('.repeat(5_000)}ON${')'.repeat(5_000)} = "push"\n@workflow(on=ON)\ndef f(): pass\n`],
    ['10,000 nested dicts in inputs', `@workflow(on=manual(inputs=${'{"a": '.repeat(10_000)}1${'}'.repeat(10_000)}))\ndef f(): pass\n`],
    ['10,000 decorators', `${'@workflow(on="push")\n'.repeat(10_000)}def f(): pass\n`],
    ['7,000 workflows', '@workflow(on="push")\ndef f(): pass\n'.repeat(7_000)],
    ['10,000 triggers', `@workflow(on=[${'"push", '.repeat(10_000)}])\ndef f(): pass\n`],
    ['10,000 syntax errors', 'x = (1 +)\n'.repeat(10_000)],
    ['NUL bytes everywhere', '\0@workflow(\0on="push"\0)\0\ndef f(\0): pass\0\n'],
    ['only NUL bytes', '\0'.repeat(10_000)],
    ['one very long line', `@workflow(on="push", name="${'x'.repeat(200_000)}")\ndef f(): pass\n`],
    ['deeply nested if blocks', `${Array.from({ length: 300 }, (_, i) => `${' '.repeat(i)}if x:\n`).join('')}${' '.repeat(300)}@workflow(on="push")\n${' '.repeat(300)}def f(): pass\n`],
  ])('handles %s', (_name, source) => {
    const file = check(source);
    expect(check(encoder.encode(source)).diagnostics).toEqual(file.diagnostics);
  });

  it('handles invalid UTF-8 at any position', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...VALID_FILES),
        fc.nat(),
        fc.constantFrom([0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0x80]),
        (source, at, bad) => {
          const bytes = Array.from(encoder.encode(source));
          bytes.splice(at % (bytes.length + 1), 0, ...bad);
          const file = check(new Uint8Array(bytes));
          expect(file.diagnostics.map((d) => d.code)).toEqual(['not-utf8']);
        },
      ),
      { numRuns: 300 },
    );
  });
});
