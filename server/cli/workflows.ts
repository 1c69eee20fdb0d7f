import { parseArgs } from 'node:util';
import { diagnosticLine } from '../core/language/diagnostics.js';
import { CLIENT_HELP, CLIENT_OPTIONS, clientFrom, repoPath, reportingApiErrors, table } from './api-client.js';
import { oneOf, subcommand } from './choices.js';
import type { CommandIO } from './io.js';
import { UsageError } from './usage.js';

const STATES = ['active', 'invalid', 'deleted'] as const;

const HELP = `usage: plue-trigger workflows list OWNER/REPO [--state active|invalid|deleted] [--json]
       plue-trigger workflows show OWNER/REPO WORKFLOW [--json]

Lists the workflows of the repository's default branch, or shows one (by id, path, file name, name or function).
  --state S       only workflows in this state (invalid: files with errors; deleted: gone from the branch)
${CLIENT_HELP}`;

const OPTIONS = { ...CLIENT_OPTIONS, state: { type: 'string' } } as const;

interface Workflow {
  id: number;
  name: string;
  path: string;
  function: string | null;
  state: string;
  events: string[];
  diagnostics: Array<{ severity: string; code: string; line: number; column: number; message: string }>;
}

export async function runWorkflows(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  const [sub, repo, selector] = positionals;
  if (values.help || sub === undefined) {
    io.out(HELP);
    return values.help ? 0 : 2;
  }
  subcommand('workflows', sub, ['list', 'show']);
  const state = oneOf(values.state, STATES, '--state');
  const client = clientFrom(values, io.env);
  if (sub === 'list') {
    if (positionals.length !== 2) throw new UsageError('workflows list takes OWNER/REPO');
    const base = repoPath(repo);
    return reportingApiErrors(io, client, async () => {
      const reply = await client.get<{ total_count: number; workflows: Workflow[] }>(`${base}/workflows?per_page=100${state ? `&state=${state}` : ''}`);
      if (values.json) io.out(JSON.stringify(reply, null, 2));
      else {
        const rows = reply.workflows.map((w) => [String(w.id), w.name, w.state, w.events.join(',') || '-', w.path]);
        for (const line of table(['ID', 'NAME', 'STATE', 'EVENTS', 'PATH'], rows)) io.out(line);
        if (reply.total_count > reply.workflows.length) io.err(`${reply.workflows.length} of ${reply.total_count} workflow(s)`);
      }
      return 0;
    });
  }
  if (sub === 'show') {
    if (positionals.length !== 3) throw new UsageError('workflows show takes OWNER/REPO WORKFLOW');
    const base = repoPath(repo);
    return reportingApiErrors(io, client, async () => {
      const w = await client.get<Workflow>(`${base}/workflows/${encodeURIComponent(selector!)}`);
      if (values.json) io.out(JSON.stringify(w, null, 2));
      else {
        io.out(`${w.name} (id ${w.id}, ${w.state})`);
        io.out(`  file:     ${w.path}${w.function ? ` (function ${w.function})` : ''}`);
        io.out(`  events:   ${w.events.join(', ') || '-'}`);
        for (const d of w.diagnostics) io.out(`  ${diagnosticLine(w.path, d)}`);
      }
      return 0;
    });
  }
  throw new UsageError(`workflows ${sub} is not a command`);
}
