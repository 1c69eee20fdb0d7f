import { parseArgs } from 'node:util';
import { CLIENT_HELP, CLIENT_OPTIONS, clientFrom, repoPath, reportingApiErrors, table } from './api-client.js';
import type { CommandIO } from './io.js';
import { UsageError } from './usage.js';

const HELP = `usage: plue-trigger statuses OWNER/REPO REF [--json]

Shows a commit's combined status and the latest status of each context (each workflow and event, each broken
workflow file). REF is a commit id, a branch, a tag or a full ref.
${CLIENT_HELP}`;

interface CombinedStatus {
  state: string;
  sha: string;
  total_count: number;
  statuses: Array<{ state: string; context: string; description: string; target_url: string | null }>;
}

export async function runStatuses(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: CLIENT_OPTIONS, allowPositionals: true });
  if (values.help || positionals.length === 0) {
    io.out(HELP);
    return values.help ? 0 : 2;
  }
  if (positionals.length !== 2) throw new UsageError('statuses takes OWNER/REPO REF');
  const base = repoPath(positionals[0]);
  const client = clientFrom(values, io.env);
  return reportingApiErrors(io, client, async () => {
    const reply = await client.get<CombinedStatus>(`${base}/commits/${encodeURIComponent(positionals[1]!)}/status`);
    if (values.json) io.out(JSON.stringify(reply, null, 2));
    else {
      const rows = reply.statuses.map((s) => [s.state, s.context, s.description, s.target_url ?? '']);
      for (const line of table(['STATE', 'CONTEXT', 'DESCRIPTION', 'TARGET'], rows)) io.out(line);
      io.err(`${reply.state} at ${reply.sha.slice(0, 7)}: ${reply.total_count} context(s)`);
    }
    return 0;
  });
}
