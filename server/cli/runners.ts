import { parseArgs } from 'node:util';
import { CLIENT_HELP, CLIENT_OPTIONS, clientFrom, positiveInteger, reportingApiErrors, table } from './api-client.js';
import { subcommand } from './choices.js';
import type { CommandIO } from './io.js';
import { UsageError } from './usage.js';

const HELP = `usage: plue-trigger runners list [--page N] [--per-page N] [--json]

Lists the registered runners, newest first: their labels, whether each is online (seen within the lease, or
running a task) and the tasks it runs. Runners serve every repository, so this needs an admin token (read-only
will do).
${CLIENT_HELP}`;

const OPTIONS = { ...CLIENT_OPTIONS, page: { type: 'string' }, 'per-page': { type: 'string' } } as const;

interface RunnerView {
  id: number;
  name: string;
  labels: string[];
  online: boolean;
  last_seen_at: string | null;
  tasks: Array<{ id: number; job: string; run: { id: number; run_number: number; repository: string } }>;
}

export async function runRunners(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  if (values.help || positionals.length === 0) {
    io.out(HELP);
    return values.help ? 0 : 2;
  }
  subcommand('runners', positionals[0]!, ['list']);
  if (positionals.length !== 1) throw new UsageError('runners list takes no arguments');
  const query = new URLSearchParams();
  if (values.page !== undefined) query.set('page', String(positiveInteger(values.page, '--page')));
  if (values['per-page'] !== undefined) query.set('per_page', String(positiveInteger(values['per-page'], '--per-page')));
  const client = clientFrom(values, io.env);
  return reportingApiErrors(io, client, async () => {
    const reply = await client.get<{ total_count: number; runners: RunnerView[] }>(`/api/runners${query.size > 0 ? `?${query}` : ''}`);
    if (values.json) io.out(JSON.stringify(reply, null, 2));
    else {
      const rows = reply.runners.map((r) => [
        String(r.id), r.name, r.labels.join(',') || '-', r.online ? 'online' : 'offline', r.last_seen_at ?? 'never',
        r.tasks.map((t) => `${t.run.repository} #${t.run.run_number} ${t.job}`).join('; ') || '-',
      ]);
      for (const line of table(['ID', 'NAME', 'LABELS', 'STATE', 'LAST SEEN', 'RUNNING'], rows)) io.out(line);
      io.err(`${reply.runners.length} of ${reply.total_count} runner(s), ${reply.runners.filter((r) => r.online).length} online`);
    }
    return 0;
  });
}
