import { parseArgs } from 'node:util';
import { CLIENT_HELP, CLIENT_OPTIONS, clientFrom, repoPath, reportingApiErrors } from './api-client.js';
import type { CommandIO } from './io.js';
import { readContextFiles, readPayload } from './dispatch-body.js';
import { UsageError } from './usage.js';

const HELP = `usage: plue-trigger dispatch OWNER/REPO WORKFLOW [--ref REF] [--input NAME=VALUE...] [--idempotency-key K] [--json]
       plue-trigger dispatch OWNER/REPO WORKFLOW [--ref REF] --payload JSON|@FILE [--context-file NAME=PATH...] [--context-dir DIR...]

Starts a workflow by hand. WORKFLOW is its id, file path, file name, name or function.
With --input (or nothing else) it needs a \`manual\` trigger: inputs are checked against its declared inputs
(strings are converted to numbers and booleans). With --payload or context files it needs a \`dispatch()\` trigger:
its run gets the payload as ctx.payload and the files in trigger-context/.
  --ref REF              branch, tag or full ref to run at (default: the default branch)
  --input NAME=VALUE     an input; repeat for several
  --payload JSON|@FILE   the dispatch's payload: JSON, or a file holding JSON
  --context-file NAME=PATH
                         a context file named NAME with the text of PATH; repeat for several
  --context-dir DIR      every plain file directly inside DIR, by its name (a subfolder, a link or a file that
                         is not UTF-8 text is an error)
  --idempotency-key K    a retry with the same key starts nothing new
${CLIENT_HELP}`;

const OPTIONS = {
  ...CLIENT_OPTIONS,
  ref: { type: 'string' },
  input: { type: 'string', multiple: true },
  payload: { type: 'string' },
  'context-file': { type: 'string', multiple: true },
  'context-dir': { type: 'string', multiple: true },
  'idempotency-key': { type: 'string' },
} as const;

export function parseInputs(pairs: readonly string[]): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--input must be NAME=VALUE, got "${pair}"`);
    const name = pair.slice(0, eq);
    if (Object.hasOwn(inputs, name)) throw new UsageError(`--input ${name} is given twice`);
    inputs[name] = pair.slice(eq + 1);
  }
  return inputs;
}

export async function runDispatch(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError('dispatch takes OWNER/REPO WORKFLOW');
  const path = `${repoPath(positionals[0])}/workflows/${encodeURIComponent(positionals[1]!)}/dispatches`;
  const handingOff = values.payload !== undefined || values['context-file'] !== undefined || values['context-dir'] !== undefined;
  if (handingOff && values.input !== undefined) throw new UsageError('--input is for manual triggers, --payload and context files for dispatch triggers: give one or the other');
  const body = {
    ...(values.ref !== undefined ? { ref: values.ref } : {}),
    ...(handingOff
      ? {
        ...(values.payload !== undefined ? { payload: await readPayload(io.cwd, values.payload) } : { payload: null }),
        context: await readContextFiles(io.cwd, values['context-file'] ?? [], values['context-dir'] ?? []),
      }
      : { inputs: parseInputs(values.input ?? []) }),
  };
  const client = clientFrom(values, io.env);
  return reportingApiErrors(io, client, async () => {
    const headers: Record<string, string> = values['idempotency-key'] !== undefined ? { 'idempotency-key': values['idempotency-key'] } : {};
    const reply = await client.request<{ run_id: number; run_number: number; status: string; workflow: { name: string }; ref: string; sha: string; context_files?: string[] }>(
      'POST', path, { body, headers });
    const made = reply.body;
    if (values.json) io.out(JSON.stringify(made, null, 2));
    else {
      const again = reply.headers['idempotent-replayed'] === 'true' ? ' (already started by an earlier request with this key)' : '';
      const state = made.status === 'waiting' ? 'queued' : made.status === 'blocked' ? 'waiting for its concurrency group' : made.status;
      const files = made.context_files && made.context_files.length > 0 ? ` with ${made.context_files.length} context file(s)` : '';
      io.out(`run ${made.run_id} (#${made.run_number}) ${state}: ${made.workflow.name} at ${made.ref} (${made.sha.slice(0, 7)})${files}${again}`);
    }
    return 0;
  });
}
