import { parseArgs } from 'node:util';
import { CLIENT_HELP, CLIENT_OPTIONS, clientFrom, positiveInteger, repoPath, reportingApiErrors, table } from './api-client.js';
import type { CommandIO } from './io.js';
import { UsageError } from './usage.js';

const HELP = `usage: plue-trigger events OWNER/REPO [--status pending|processed|failed] [--page N] [--per-page N] [--json]
       plue-trigger events retry OWNER/REPO EVENT_ID [--json]

Lists the repository's events, newest first (--status failed: the dead letters, with their errors), or retries a
failed one (an admin token).
${CLIENT_HELP}`;

const OPTIONS = { ...CLIENT_OPTIONS, status: { type: 'string' }, page: { type: 'string' }, 'per-page': { type: 'string' } } as const;

interface EventRecord {
  event_id: number;
  event: string;
  status: string;
  source: string;
  attempts: number;
  error: string | null;
  next_attempt_at: string | null;
  received_at: string;
  runs: Array<{ run_id: number }>;
  resumed?: Array<{ run_id: number }>;
}

export async function runEvents(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  if (values.help || positionals.length === 0) {
    io.out(HELP);
    return values.help ? 0 : 2;
  }
  const client = clientFrom(values, io.env);
  const print = (reply: unknown, text: () => void) => (values.json ? io.out(JSON.stringify(reply, null, 2)) : text());
  if (positionals[0] === 'retry') {
    if (positionals.length !== 3) throw new UsageError('events retry takes OWNER/REPO EVENT_ID');
    const path = `${repoPath(positionals[1])}/events/${positiveInteger(positionals[2], 'EVENT_ID')}/retry`;
    return reportingApiErrors(io, client.server, async () => {
      const event = await client.post<EventRecord>(path);
      print(event, () => io.out(`event ${event.event_id} (${event.event}) is pending again; it will be triggered in a moment`));
      return 0;
    });
  }
  const [repo] = positionals[0] === 'list' ? positionals.slice(1) : positionals;
  if (positionals.length !== (positionals[0] === 'list' ? 2 : 1)) throw new UsageError('events takes OWNER/REPO (or: events retry OWNER/REPO EVENT_ID)');
  const query = new URLSearchParams();
  if (values.status !== undefined) query.set('status', values.status);
  if (values.page !== undefined) query.set('page', String(positiveInteger(values.page, '--page')));
  if (values['per-page'] !== undefined) query.set('per_page', String(positiveInteger(values['per-page'], '--per-page')));
  return reportingApiErrors(io, client.server, async () => {
    const reply = await client.get<{ total_count: number; events: EventRecord[] }>(`${repoPath(repo)}/events${query.size > 0 ? `?${query}` : ''}`);
    print(reply, () => {
      const rows = reply.events.map((e) => [
        String(e.event_id), e.event, e.status, e.source, String(e.attempts), e.received_at,
        [...e.runs.map((r) => String(r.run_id)), ...(e.resumed ?? []).map((r) => `${r.run_id} (resumed)`)].join(',') || '-',
        e.error ?? (e.next_attempt_at ? `retry at ${e.next_attempt_at}` : ''),
      ]);
      for (const line of table(['ID', 'EVENT', 'STATUS', 'SOURCE', 'ATTEMPTS', 'RECEIVED', 'RUNS', 'ERROR'], rows)) io.out(line);
      io.err(`${reply.events.length} of ${reply.total_count} event(s)`);
    });
    return 0;
  });
}
