import { parseArgs } from 'node:util';
import { CLIENT_HELP, CLIENT_OPTIONS, clientFrom, repoPath, reportingApiErrors } from './api-client.js';
import type { CommandIO } from './io.js';
import { UsageError } from './usage.js';

const HELP = `usage: plue-trigger dispatch OWNER/REPO WORKFLOW [--ref REF] [--input NAME=VALUE...] [--idempotency-key K] [--json]

Starts a workflow with a \`manual\` trigger by hand. WORKFLOW is its id, file path, file name, name or function.
Inputs are checked against the workflow's declared inputs (strings are converted to numbers and booleans).
  --ref REF              branch, tag or full ref to run at (default: the default branch)
  --input NAME=VALUE     an input; repeat for several
  --idempotency-key K    a retry with the same key starts nothing new
${CLIENT_HELP}`;

const OPTIONS = {
  ...CLIENT_OPTIONS,
  ref: { type: 'string' },
  input: { type: 'string', multiple: true },
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
  const body = { ...(values.ref !== undefined ? { ref: values.ref } : {}), inputs: parseInputs(values.input ?? []) };
  const client = clientFrom(values, io.env);
  return reportingApiErrors(io, client.server, async () => {
    const headers: Record<string, string> = values['idempotency-key'] !== undefined ? { 'idempotency-key': values['idempotency-key'] } : {};
    const reply = await client.request<{ run_id: number; run_number: number; workflow: { name: string }; ref: string; sha: string }>(
      'POST', path, { body, headers });
    const made = reply.body;
    if (values.json) io.out(JSON.stringify(made, null, 2));
    else {
      const again = reply.headers['idempotent-replayed'] === 'true' ? ' (already started by an earlier request with this key)' : '';
      io.out(`run ${made.run_id} (#${made.run_number}) queued: ${made.workflow.name} at ${made.ref} (${made.sha.slice(0, 7)})${again}`);
    }
    return 0;
  });
}
