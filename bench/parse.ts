// Benchmark: bare tree-sitter parse vs. full `parseWorkflowFile`, for a corpus of typical workflow files
// and for one 1 MiB file. Run with `npm run bench:parse`. Prints plain numbers.
import { readdirSync, readFileSync } from 'node:fs';
import { loadPythonParser } from '../server/adapters/tree-sitter.js';
import { hasErrors, parseWorkflowFile } from '../server/core/language/index.js';

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

const DECORATORS = [
  (name: string) => [`@workflow(`, `    name="${name}",`, `    on=[push(branches=MAIN_BRANCHES, paths_ignore=["docs/**"]), pull_request(types=["opened", "synchronize"])],`, `    runs_on=["linux", "x64"],`, `    concurrency="{workflow}-{ref}",`, `    cancel_in_progress=True,`, `)`],
  (name: string) => [`@workflow(name="${name}", on="push")`],
  (name: string) => [`@workflow(`, `    name="${name}",`, `    on=[`, `        schedule(cron="0 3 * * MON-FRI"),  # nightly`, `        manual(inputs={"target": {"type": "choice", "options": ["staging", "prod"], "default": "staging"}}),`, `    ],`, `    agent=True,`, `)`],
  (name: string) => [`@wf(name="${name}", on=[plue.push(tags=["v*"]), "dispatch"], runs_on="linux")`],
  (name: string) => [`@workflow(on=["issue", "chat"], name="${name}")`],
];

const STEP_LINES = [
  'await ctx.run("npm ci")', 'await ctx.run("npm test -- --reporter=dot")', 'artifacts = collect(ctx.files)',
  'if ctx.event == "push":', '    await ctx.run("npm run build")', 'for target in ["linux", "mac"]:',
  '    await ctx.run(f"make {target}")', 'ctx.log("done", level="info")', 'status = await ctx.run("git status --short")',
  'assert status.ok, status.stderr',
];

function corpusFile(index: number): CorpusFile {
  const lines: string[] = [`"""Workflows for service ${index}: build, test and release."""`];
  const imports = IMPORTS[index % IMPORTS.length] as string;
  lines.push(imports, 'import json', 'import os', '');
  lines.push('MAIN_BRANCHES = ["main", "release/**"]', `TIMEOUT_MINUTES = ${10 + index}`, '');
  const helpers = 1 + (index % 4);
  for (let h = 0; h < helpers; h++) {
    lines.push('', `def helper_${h}(items, extra=None, path="config.json"):`, `    """Helper ${h}."""`);
    for (const line of HELPER_BODIES[(index + h) % HELPER_BODIES.length] as string[]) lines.push(`    ${line}`);
  }
  const workflows = 1 + (index % 3);
  for (let w = 0; w < workflows; w++) {
    const decorator = DECORATORS[(index + w) % DECORATORS.length] as (name: string) => string[];
    const lines0 = decorator(`Service ${index} job ${w}`);
    const usesAlias = imports.includes(' as wf');
    lines.push('', '', ...lines0.map((l) => (usesAlias ? l.replace('@workflow(', '@wf(') : l.replace('@wf(', '@workflow(').replace('plue.push', 'push'))));
    lines.push(`async def job_${w}(ctx):`);
    const steps = 6 + ((index * 7 + w * 3) % 14);
    for (let s = 0; s < steps; s++) lines.push(`    ${STEP_LINES[(index + s) % STEP_LINES.length] as string}`);
    lines.push('    return 0');
  }
  lines.push('', '', 'if __name__ == "__main__":', '    print(helper_0(["test_a", "b"]))', '');
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

const parser = await loadPythonParser();
const corpus = Array.from({ length: 10 }, (_, i) => corpusFile(i));
for (const file of corpus) {
  const parsed = parseWorkflowFile(parser, file.path, file.bytes);
  if (hasErrors(parsed) || parsed.workflows.length === 0) {
    console.error(`corpus file ${file.path} does not parse cleanly:`, parsed.diagnostics);
    process.exit(1);
  }
}
const lineCounts = corpus.map((f) => f.text.split('\n').length);
const totalLines = lineCounts.reduce((a, b) => a + b, 0);

const REPEAT = 50; // corpus passes per timing round
const bare = () => { for (let r = 0; r < REPEAT; r++) for (const f of corpus) parser.parse(f.text)?.delete(); };
const fullText = () => { for (let r = 0; r < REPEAT; r++) for (const f of corpus) parseWorkflowFile(parser, f.path, f.text); };
const fullBytes = () => { for (let r = 0; r < REPEAT; r++) for (const f of corpus) parseWorkflowFile(parser, f.path, f.bytes); };
best(3, bare, fullText, fullBytes); // warm-up
const files = REPEAT * corpus.length;
const [bareMs = 0, fullTextMs = 0, fullBytesMs = 0] = best(9, bare, fullText, fullBytes);
const perSecond = (ms: number) => Math.round(files / (ms / 1000));

console.log(`corpus: ${corpus.length} files, ${totalLines} lines (${Math.min(...lineCounts)}-${Math.max(...lineCounts)} per file)`);
console.log(`bare parse files/s: ${perSecond(bareMs)}`);
console.log(`parseWorkflowFile (string) files/s: ${perSecond(fullTextMs)}`);
console.log(`parseWorkflowFile (bytes) files/s: ${perSecond(fullBytesMs)}`);
console.log(`overhead (string) %: ${(((fullTextMs - bareMs) / bareMs) * 100).toFixed(1)}`);
console.log(`overhead (bytes) %: ${(((fullBytesMs - bareMs) / bareMs) * 100).toFixed(1)}`);

// The demo repository's workflow files (about 20 lines each): what a small project keeps.
const demoDir = new URL('../test-repo/.plue/workflows/', import.meta.url);
const demo = readdirSync(demoDir).filter((n) => n.endsWith('.py')).map((name) => {
  const bytes = readFileSync(new URL(name, demoDir));
  return { path: `.plue/workflows/${name}`, text: bytes.toString('utf8'), bytes };
});
const DEMO_REPEAT = 500;
const demoBare = () => { for (let r = 0; r < DEMO_REPEAT; r++) for (const f of demo) parser.parse(f.text)?.delete(); };
const demoFull = () => { for (let r = 0; r < DEMO_REPEAT; r++) for (const f of demo) parseWorkflowFile(parser, f.path, f.bytes); };
best(3, demoBare, demoFull);
const [demoBareMs = 0, demoFullMs = 0] = best(9, demoBare, demoFull);
const demoFiles = DEMO_REPEAT * demo.length;
console.log(`demo corpus (test-repo): ${demo.length} files, ${demo.map((f) => f.text.split('\n').length).join(' and ')} lines`);
console.log(`demo bare parse files/s: ${Math.round(demoFiles / (demoBareMs / 1000))}`);
console.log(`demo parseWorkflowFile files/s: ${Math.round(demoFiles / (demoFullMs / 1000))}`);
console.log(`demo overhead %: ${(((demoFullMs - demoBareMs) / demoBareMs) * 100).toFixed(1)}`);

// One 1 MiB file: the corpus concatenated until it reaches the size.
// Each copy gets its own constant names, so the big file is as valid as its parts.
let bigText = '';
for (let i = 0; bigText.length < 1024 * 1024; i++) {
  const copy = (corpus[i % corpus.length] as CorpusFile).text;
  bigText += `${copy.replaceAll('MAIN_BRANCHES', `MAIN_BRANCHES_${i}`).replaceAll('TIMEOUT_MINUTES', `TIMEOUT_MINUTES_${i}`)}\n\n`;
}
const bigBytes = new TextEncoder().encode(bigText);
const big = { path: '.plue/workflows/big.py', maxBytes: bigBytes.byteLength };
const bigParsed = parseWorkflowFile(parser, big.path, bigBytes, { maxBytes: big.maxBytes });
if (hasErrors(bigParsed)) {
  console.error('the 1 MiB file does not parse cleanly:', bigParsed.diagnostics.slice(0, 5));
  process.exit(1);
}
const [bigBareMs = 0, bigFullMs = 0] = best(
  5,
  () => parser.parse(bigText)?.delete(),
  () => parseWorkflowFile(parser, big.path, bigBytes, { maxBytes: big.maxBytes }),
);
console.log(`1 MiB file: ${bigBytes.byteLength} bytes, ${bigText.split('\n').length} lines, ${bigParsed.workflows.length} workflows`);
console.log(`1 MiB bare parse ms: ${bigBareMs.toFixed(1)}`);
console.log(`1 MiB parseWorkflowFile (bytes) ms: ${bigFullMs.toFixed(1)}`);
console.log(`1 MiB overhead %: ${(((bigFullMs - bigBareMs) / bigBareMs) * 100).toFixed(1)}`);
