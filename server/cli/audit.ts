import { parseArgs } from 'node:util';
import { CLIENT_HELP, CLIENT_OPTIONS, clientFrom, positiveInteger, repoPath, reportingApiErrors, table } from './api-client.js';
import { AUDIT_KINDS } from '../adapters/db/audit.js';
import { oneOf } from './choices.js';
import type { CommandIO } from './io.js';
import { UsageError } from './usage.js';

const HELP = `usage: plue-trigger audit OWNER/REPO [--kind K] [--page N] [--per-page N] [--json]

Lists the repository's audit trail, newest first: dispatches, loops stopped, events dead-lettered and retried,
tokens made and revoked, runs cancelled and re-run, each with who asked.
  --kind K        one of ${AUDIT_KINDS.join('|')}
${CLIENT_HELP}`;

const OPTIONS = { ...CLIENT_OPTIONS, kind: { type: 'string' }, page: { type: 'string' }, 'per-page': { type: 'string' } } as const;

interface AuditRow {
  id: number;
  kind: string;
  actor: Record<string, unknown>;
  subject: Record<string, unknown>;
  detail: Record<string, unknown>;
  created_at: string;
}

/** `token 3`, `task 9 of run 4`, `trigger`: who asked, in a few words. */
function describeActor(actor: Record<string, unknown>): string {
  if (typeof actor.token_id === 'number') return `token ${actor.token_id}`;
  if (typeof actor.task_id === 'number') return `task ${actor.task_id} of run ${String(actor.run_id)}`;
  if (typeof actor.service === 'string') return actor.service;
  return JSON.stringify(actor);
}

const describeObject = (value: Record<string, unknown>) => Object.entries(value).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');

export async function runAudit(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  if (values.help || positionals.length === 0) {
    io.out(HELP);
    return values.help ? 0 : 2;
  }
  if (positionals.length !== 1) throw new UsageError('audit takes OWNER/REPO');
  const base = repoPath(positionals[0]);
  const query = new URLSearchParams();
  const kind = oneOf(values.kind, AUDIT_KINDS, '--kind');
  if (kind !== undefined) query.set('kind', kind);
  if (values.page !== undefined) query.set('page', String(positiveInteger(values.page, '--page')));
  if (values['per-page'] !== undefined) query.set('per_page', String(positiveInteger(values['per-page'], '--per-page')));
  const client = clientFrom(values, io.env);
  return reportingApiErrors(io, client, async () => {
    const reply = await client.get<{ total_count: number; audit: AuditRow[] }>(`${base}/audit${query.size > 0 ? `?${query}` : ''}`);
    if (values.json) io.out(JSON.stringify(reply, null, 2));
    else {
      const rows = reply.audit.map((a) => [String(a.id), a.created_at, a.kind, describeActor(a.actor), describeObject(a.subject), describeObject(a.detail)]);
      for (const line of table(['ID', 'WHEN', 'KIND', 'WHO', 'SUBJECT', 'DETAIL'], rows)) io.out(line);
      io.err(`${reply.audit.length} of ${reply.total_count} row(s)`);
    }
    return 0;
  });
}
