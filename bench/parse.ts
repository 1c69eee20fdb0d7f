// Benchmark: bare tree-sitter parse vs. full `parseWorkflowFile`, for a corpus of typical workflow files
// and for one 1 MiB file. Run with `npm run bench:parse` (BENCH_QUICK=1: few rounds). Prints plain numbers;
// fails when an input file has any diagnostic.
import { readdirSync, readFileSync } from 'node:fs';
import type { Parser } from 'web-tree-sitter';
import { loadPythonParser } from '../server/adapters/tree-sitter.js';
import { parseWorkflowFile } from '../server/core/language/index.js';
import type { ParsedFile } from '../server/core/language/index.js';
import { QUICK, check } from './support.js';

interface CorpusFile {
  path: string;
  text: string;
  bytes: Uint8Array;
}

// --- A deterministic corpus of realistic workflow files (30–120 lines, 1–3 workflows each). ---

const IMPORTS = [
  'from plue import workflow, push, pull_request',
  'from plue import workflow, push, pull_request, schedule, manual',
  'import plue\nfrom plue import workflow as wf',
  'from plue import workflow, issue, chat, dispatch',
];

const HELPER_BODIES = [
  ['result = []', 'for item in items:', '    if item.startswith("test_"):', '        result.append(item[5:].upper())', 'return result'],
  ['env = dict(os.environ)', 'env["CI"] = "1"', 'env.update({k: str(v) for k, v in extra.items()})', 'return env'],
  ['with open(path) as handle:', '    data = json.load(handle)', 'if not data.get("enabled", True):', '    return None', 'return data["steps"]'],
  ['total = 0', 'for i, step in enumerate(items):', '    total += len(step) * (i + 1)', '    # keep the log short', '    print(f"step {i}: {step}")', 'return total'],
];

const DECORATORS: Array<(name: string, branches: string) => string[]> = [
  (name, branches) => [`@workflow(`, `    name="${name}",`, `    on=[push(branches=${branches}, paths_ignore=["docs/**"]), pull_request(types=["opened", "synchronize"])],`, `    runs_on=["linux", "x64"],`, `    concurrency="{workflow}-{ref}",`, `    cancel_in_progress=True,`, `)`],
  (name) => [`@workflow(name="${name}", on="push")`],
  (name) => [`@workflow(`, `    name="${name}",`, `    on=[`, `        schedule(cron="0 3 * * MON-FRI"),  # nightly`, `        manual(inputs={"target": {"type": "choice", "options": ["staging", "prod"], "default": "staging"}}),`, `    ],`, `    agent=True,`, `)`],
  (name) => [`@wf(name="${name}", on=[plue.push(tags=["v*"]), "dispatch"], runs_on="linux")`],
  (name) => [`@workflow(on=["issue", "chat"], name="${name}")`],
];

const STEP_LINES = [
  'await ctx.run("npm ci")', 'await ctx.run("npm test -- --reporter=dot")', 'artifacts = collect(ctx.files)',
  'if ctx.event == "push":', '    await ctx.run("npm run build")', 'for target in ["linux", "mac"]:',
  '    await ctx.run(f"make {target}")', 'ctx.log("done", level="info")', 'status = await ctx.run("git status --short")',
  'assert status.ok, status.stderr',
];

/**
 * Workflow file number `index`. Its top-level names (constants, helpers, workflow functions and workflow names)
 * carry `copy`, so copies with different `copy` values can be concatenated into one valid file.
 */
function corpusFile(index: number, copy = ''): CorpusFile {
  const own = (name: string) => `${name}${copy}`;
  const lines: string[] = [`"""Workflows for service ${index}: build, test and release."""`];
  const imports = IMPORTS[index % IMPORTS.length] as string;
  lines.push(imports, 'import json', 'import os', '');
  lines.push(`${own('MAIN_BRANCHES')} = ["main", "release/**"]`, `${own('TIMEOUT_MINUTES')} = ${10 + index}`, '');
  const helpers = 1 + (index % 4);
  for (let h = 0; h < helpers; h++) {
    lines.push('', `def ${own(`helper_${h}`)}(items, extra=None, path="config.json"):`, `    """Helper ${h}."""`);
    for (const line of HELPER_BODIES[(index + h) % HELPER_BODIES.length] as string[]) lines.push(`    ${line}`);
  }
  const workflows = 1 + (index % 3);
  for (let w = 0; w < workflows; w++) {
    const decorator = DECORATORS[(index + w) % DECORATORS.length]!;
    const lines0 = decorator(`Service ${index}${copy} job ${w}`, own('MAIN_BRANCHES'));
    const usesAlias = imports.includes(' as wf');
    lines.push('', '', ...lines0.map((l) => (usesAlias ? l.replace('@workflow(', '@wf(') : l.replace('@wf(', '@workflow(').replace('plue.push', 'push'))));
    lines.push(`async def ${own(`job_${w}`)}(ctx):`);
    const steps = 6 + ((index * 7 + w * 3) % 14);
    for (let s = 0; s < steps; s++) lines.push(`    ${STEP_LINES[(index + s) % STEP_LINES.length] as string}`);
    lines.push('    return 0');
  }
  lines.push('', '', 'if __name__ == "__main__":', `    print(${own('helper_0')}(["test_a", "b"]))`, '');
  const text = lines.join('\n');
  return { path: `.plue/workflows/service_${index}.py`, text, bytes: new TextEncoder().encode(text) };
}

// --- Timing ---

/**
 * Best timing (ms) of each function over `rounds` interleaved rounds: the minimum is the run least disturbed
 * by GC and other processes, and interleaving keeps slow phases of the machine from favouring one side.
 */
function best(rounds: number, ...runs: (() => void)[]): number[] {
  const min = runs.map(() => Infinity);
  for (let r = 0; r < rounds; r++) {
    runs.forEach((run, i) => {
      const start = performance.now();
      run();
      min[i] = Math.min(min[i] as number, performance.now() - start);
    });
  }
  return min;
}

const WARM_UP_ROUNDS = QUICK ? 1 : 3;
const ROUNDS = QUICK ? 2 : 9;
const percentOver = (ms: number, baseMs: number) => (((ms - baseMs) / baseMs) * 100).toFixed(1);

/** The benchmark measures clean files: a diagnostic means the generator (or the language) changed under it. */
function parseClean(parser: Parser, file: { path: string; bytes: Uint8Array }, options?: { maxBytes: number }): ParsedFile {
  const parsed = parseWorkflowFile(parser, file.path, file.bytes, options);
  check(parsed.diagnostics.length === 0, `${file.path} does not parse cleanly`, parsed.diagnostics.slice(0, 5));
  check(parsed.workflows.length > 0, `${file.path} has no workflow`);
  return parsed;
}

const parser = await loadPythonParser();
const corpus = Array.from({ length: 10 }, (_, i) => corpusFile(i));
for (const file of corpus) parseClean(parser, file);
const lineCounts = corpus.map((f) => f.text.split('\n').length);
const totalLines = lineCounts.reduce((a, b) => a + b, 0);

const REPEAT = QUICK ? 5 : 50; // corpus passes per timing round
const bare = () => { for (let r = 0; r < REPEAT; r++) for (const f of corpus) parser.parse(f.text)?.delete(); };
const fullText = () => { for (let r = 0; r < REPEAT; r++) for (const f of corpus) parseWorkflowFile(parser, f.path, f.text); };
const fullBytes = () => { for (let r = 0; r < REPEAT; r++) for (const f of corpus) parseWorkflowFile(parser, f.path, f.bytes); };
best(WARM_UP_ROUNDS, bare, fullText, fullBytes);
const files = REPEAT * corpus.length;
const [bareMs = 0, fullTextMs = 0, fullBytesMs = 0] = best(ROUNDS, bare, fullText, fullBytes);
const perSecond = (ms: number) => Math.round(files / (ms / 1000));

console.log(`corpus: ${corpus.length} files, ${totalLines} lines (${Math.min(...lineCounts)}-${Math.max(...lineCounts)} per file)${QUICK ? ' (BENCH_QUICK: few rounds)' : ''}`);
console.log(`bare parse files/s: ${perSecond(bareMs)}`);
console.log(`parseWorkflowFile (string) files/s: ${perSecond(fullTextMs)}`);
console.log(`parseWorkflowFile (bytes) files/s: ${perSecond(fullBytesMs)}`);
console.log(`overhead (string) %: ${percentOver(fullTextMs, bareMs)}`);
console.log(`overhead (bytes) %: ${percentOver(fullBytesMs, bareMs)}`);

// The demo repository's workflow files (about 20 lines each): what a small project keeps.
const demoDir = new URL('../test-repo/.plue/workflows/', import.meta.url);
const demo = readdirSync(demoDir).filter((n) => n.endsWith('.py')).map((name) => {
  const bytes = readFileSync(new URL(name, demoDir));
  return { path: `.plue/workflows/${name}`, text: bytes.toString('utf8'), bytes };
});
check(demo.length > 0, `no workflow files in ${demoDir.pathname}`);
for (const file of demo) parseClean(parser, file);
const DEMO_REPEAT = QUICK ? 50 : 500;
const demoBare = () => { for (let r = 0; r < DEMO_REPEAT; r++) for (const f of demo) parser.parse(f.text)?.delete(); };
const demoFull = () => { for (let r = 0; r < DEMO_REPEAT; r++) for (const f of demo) parseWorkflowFile(parser, f.path, f.bytes); };
best(WARM_UP_ROUNDS, demoBare, demoFull);
const [demoBareMs = 0, demoFullMs = 0] = best(ROUNDS, demoBare, demoFull);
const demoFiles = DEMO_REPEAT * demo.length;
console.log(`demo corpus (test-repo): ${demo.length} files, ${demo.map((f) => f.text.split('\n').length).join(' and ')} lines`);
console.log(`demo bare parse files/s: ${Math.round(demoFiles / (demoBareMs / 1000))}`);
console.log(`demo parseWorkflowFile files/s: ${Math.round(demoFiles / (demoFullMs / 1000))}`);
console.log(`demo overhead %: ${percentOver(demoFullMs, demoBareMs)}`);

// One 1 MiB file (in quick mode too: its being valid is what must not rot): copies of the corpus, each with
// its own names, until it reaches the size.
let bigText = '';
for (let i = 0; bigText.length < 1024 * 1024; i++) bigText += `${corpusFile(i % corpus.length, `_${i}`).text}\n\n`;
const bigBytes = new TextEncoder().encode(bigText);
const big = { path: '.plue/workflows/big.py', bytes: bigBytes };
const bigOptions = { maxBytes: bigBytes.byteLength };
const bigParsed = parseClean(parser, big, bigOptions);
const [bigBareMs = 0, bigFullMs = 0] = best(
  QUICK ? 1 : 5,
  () => parser.parse(bigText)?.delete(),
  () => parseWorkflowFile(parser, big.path, bigBytes, bigOptions),
);
console.log(`1 MiB file: ${bigBytes.byteLength} bytes, ${bigText.split('\n').length} lines, ${bigParsed.workflows.length} workflows`);
console.log(`1 MiB bare parse ms: ${bigBareMs.toFixed(1)}`);
console.log(`1 MiB parseWorkflowFile (bytes) ms: ${bigFullMs.toFixed(1)}`);
console.log(`1 MiB overhead %: ${percentOver(bigFullMs, bigBareMs)}`);
