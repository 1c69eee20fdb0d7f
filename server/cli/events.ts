import { parseArgs } from 'node:util';
import { ISSUE_TYPES, PULL_REQUEST_TYPES } from '../core/language/model.js';
import { HOST_EVENT_KINDS as HOST_EVENTS } from '../services/api/host-events.js';
import { CLIENT_HELP, CLIENT_OPTIONS, clientFrom, positiveInteger, repoPath, reportingApiErrors, table } from './api-client.js';
import { oneOf, subcommand } from './choices.js';
import { readPayload } from './dispatch-body.js';
import type { CommandIO } from './io.js';
import { UsageError } from './usage.js';

const EVENT_STATUSES = ['pending', 'processed', 'failed'] as const;

const HELP = `usage: plue-trigger events list OWNER/REPO [--status pending|processed|failed] [--page N] [--per-page N] [--json]
       plue-trigger events show OWNER/REPO EVENT_ID [--json]
       plue-trigger events send OWNER/REPO --event pull_request|issue|chat|dispatch [--action A] [--base-ref REF]
                                [--head-ref REF] [--base-sha SHA] [--head-sha SHA] [--ref REF] [--workflow W]
                                [--payload JSON|@FILE] [--delivery-id ID] [--wait] [--json]
       plue-trigger events retry OWNER/REPO EVENT_ID [--json]

list: the repository's events, newest first (--status failed: the dead letters, with their errors).
show: one event and what it decided: the runs it started, every other workflow with its reason, the runs a reply
      resumed, its error.
send: hands in a host event, as the git host would (docs/api.md, Events from the git host); --wait waits until
      it is triggered (at most 10 s) and shows what it decided.
retry: a failed event is tried again (an admin token).
  --action A         pull_request, issue: the activity (opened, synchronize, closed, …); chat, dispatch: optional
  --base-ref REF     pull_request: the branch it merges into
  --head-ref REF     pull_request: the branch it merges from
  --base-sha SHA     pull_request: the base branch's commit
  --head-sha SHA     pull_request: the head commit, whose workflows run
  --ref REF          dispatch: the branch or tag whose workflows run (default: the default branch)
  --workflow W       dispatch: only this workflow
  --payload JSON|@FILE  anything else about the event; the runs get it as their payload
  --delivery-id ID   the host's id for this delivery: sending it again records nothing new
${CLIENT_HELP}`;

const OPTIONS = {
  ...CLIENT_OPTIONS,
  status: { type: 'string' },
  page: { type: 'string' },
  'per-page': { type: 'string' },
  event: { type: 'string' },
  action: { type: 'string' },
  'base-ref': { type: 'string' },
  'head-ref': { type: 'string' },
  'base-sha': { type: 'string' },
  'head-sha': { type: 'string' },
  ref: { type: 'string' },
  workflow: { type: 'string' },
  payload: { type: 'string' },
  'delivery-id': { type: 'string' },
  wait: { type: 'boolean', default: false },
} as const;

interface RunRef { run_id: number; run_number: number; workflow?: { name: string; path: string } }
interface EventRecord {
  event_id: number;
  event: string;
  status: string;
  source?: string;
  attempts?: number;
  error: string | null;
  next_attempt_at?: string | null;
  received_at?: string;
  processed_at?: string | null;
  duplicate?: boolean;
  runs: RunRef[];
  skipped?: Array<{ name: string; path: string; reason: string }>;
  resumed?: Array<RunRef & { delivered_to: string | null }>;
  diagnostics?: Array<{ path: string; line: number; column: number; severity: string; code: string; message: string }>;
}

const runName = (r: RunRef) => `#${r.run_number}${r.workflow ? ` ${r.workflow.name} (${r.workflow.path})` : ''} (run id ${r.run_id})`;

/** What an event decided, as `events show` and `events send --wait` print it. */
export function describeEvent(e: EventRecord): string[] {
  const lines = [`event ${e.event_id} (${e.event}): ${e.status}${e.duplicate ? ' (a redelivery: recorded before)' : ''}`];
  if (e.source !== undefined) lines.push(`  source:   ${e.source}, ${e.attempts ?? 0} attempt(s), received ${e.received_at ?? '?'}`);
  if (e.status === 'pending' && e.next_attempt_at) lines.push(`  retry at: ${e.next_attempt_at}`);
  if (e.error) lines.push(`  error:    ${e.error}`);
  for (const r of e.runs) lines.push(`  started:  ${runName(r)}`);
  for (const r of e.resumed ?? []) lines.push(`  resumed:  ${runName(r)}${r.delivered_to ? `, by its wait ${r.delivered_to}` : ', kept for its next wait_for'}`);
  for (const s of e.skipped ?? []) lines.push(`  skipped:  ${s.name} (${s.path}): ${s.reason}`);
  for (const d of e.diagnostics ?? []) lines.push(`  ${d.path}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}`);
  if (e.status === 'processed' && e.runs.length === 0 && (e.resumed ?? []).length === 0) lines.push('  no run started');
  return lines;
}

export async function runEvents(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  if (values.help || positionals.length === 0) {
    io.out(HELP);
    return values.help ? 0 : 2;
  }
  // `events OWNER/REPO` lists, as before there were subcommands.
  const [sub, ...args] = positionals[0]!.includes('/') ? ['list', ...positionals] : positionals;
  subcommand('events', sub!, ['list', 'show', 'send', 'retry']);
  const client = clientFrom(values, io.env);
  const print = (reply: unknown, text: () => void) => (values.json ? io.out(JSON.stringify(reply, null, 2)) : text());
  if (sub === 'retry' || sub === 'show') {
    if (args.length !== 2) throw new UsageError(`events ${sub} takes OWNER/REPO EVENT_ID`);
    const path = `${repoPath(args[0])}/events/${positiveInteger(args[1], 'EVENT_ID')}`;
    return reportingApiErrors(io, client, async () => {
      if (sub === 'show') {
        const event = await client.get<EventRecord>(path);
        print(event, () => { for (const line of describeEvent(event)) io.out(line); });
        return 0;
      }
      const event = await client.post<EventRecord>(`${path}/retry`);
      print(event, () => io.out(`event ${event.event_id} (${event.event}) is pending again; it will be triggered in a moment`));
      return 0;
    });
  }
  if (sub === 'send') return sendEvent(io, args, values, client, print);
  if (args.length !== 1) throw new UsageError('events list takes OWNER/REPO');
  const [repo] = args;
  const query = new URLSearchParams();
  const status = oneOf(values.status, EVENT_STATUSES, '--status');
  if (status !== undefined) query.set('status', status);
  if (values.page !== undefined) query.set('page', String(positiveInteger(values.page, '--page')));
  if (values['per-page'] !== undefined) query.set('per_page', String(positiveInteger(values['per-page'], '--per-page')));
  const base = repoPath(repo);
  return reportingApiErrors(io, client, async () => {
    const reply = await client.get<{ total_count: number; events: EventRecord[] }>(`${base}/events${query.size > 0 ? `?${query}` : ''}`);
    print(reply, () => {
      const rows = reply.events.map((e) => [
        String(e.event_id), e.event, e.status, e.source ?? '', String(e.attempts ?? 0), e.received_at ?? '',
        [...e.runs.map((r) => `#${r.run_number}`), ...(e.resumed ?? []).map((r) => `#${r.run_number} (resumed)`)].join(',') || '-',
        e.error ?? (e.next_attempt_at ? `retry at ${e.next_attempt_at}` : ''),
      ]);
      for (const line of table(['ID', 'EVENT', 'STATUS', 'SOURCE', 'ATTEMPTS', 'RECEIVED', 'RUNS', 'ERROR'], rows)) io.out(line);
      io.err(`${reply.events.length} of ${reply.total_count} event(s)`);
    });
    return 0;
  });
}

type Values = ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true }>>['values'];

async function sendEvent(
  io: CommandIO, args: string[], values: Values, client: ReturnType<typeof clientFrom>, print: (reply: unknown, text: () => void) => void,
): Promise<number> {
  if (args.length !== 1) throw new UsageError('events send takes OWNER/REPO (and --event KIND)');
  const path = `${repoPath(args[0])}/events${values.wait ? '?wait=true' : ''}`;
  const event = oneOf(values.event, HOST_EVENTS, '--event');
  if (event === undefined) throw new UsageError(`--event is required: ${HOST_EVENTS.join(', ')} (pushes come through git)`);
  if (event === 'pull_request') oneOf(values.action, PULL_REQUEST_TYPES, '--action of a pull_request');
  if (event === 'issue') oneOf(values.action, ISSUE_TYPES, '--action of an issue');
  const fields = {
    action: values.action, base_ref: values['base-ref'], head_ref: values['head-ref'], base_sha: values['base-sha'],
    head_sha: values['head-sha'], ref: values.ref, workflow: values.workflow, delivery_id: values['delivery-id'],
  };
  const body: Record<string, unknown> = { event };
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) body[key] = value;
  if (values.payload !== undefined) body.payload = await readPayload(io.cwd, values.payload);
  return reportingApiErrors(io, client, async () => {
    const recorded = await client.post<EventRecord>(path, body);
    print(recorded, () => {
      if (recorded.status === 'pending' && !values.wait && !recorded.duplicate) {
        io.out(`event ${recorded.event_id} (${recorded.event}) recorded; it is triggered in a moment (plue-trigger events show ${args[0]} ${recorded.event_id})`);
      } else {
        for (const line of describeEvent(recorded)) io.out(line);
      }
    });
    return recorded.status === 'failed' ? 1 : 0;
  });
}
