import type postgres from 'postgres';
import type { Queryable } from './queryable.js';

// audit_events: the append-only trail of decisions (see migration 0006). Written in the transaction of the change
// it describes, so a change and its record commit together or not at all.

export const AUDIT_KINDS = [
  'dispatch.accepted', 'dispatch.refused', 'loop.stopped',
  'event.dead_lettered', 'event.retried',
  'token.created', 'token.revoked',
  'run.cancelled', 'run.rerun', 'run.event_raised',
] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

/** Who asked: an API token, a runner's task, or the service itself. */
export type AuditActor =
  | { token_id: number }
  | { runner_id: number | null; task_id: number; run_id: number }
  | { service: string };

export interface NewAuditEvent {
  repository_id: number | null;
  kind: AuditKind;
  actor: AuditActor;
  subject?: Record<string, unknown>;
  detail?: Record<string, unknown>;
}

export async function recordAudit(db: Queryable, event: NewAuditEvent): Promise<void> {
  await db`
    insert into audit_events (repository_id, kind, actor, subject, detail)
    values (${event.repository_id}, ${event.kind}, ${db.json(event.actor as never)}, ${db.json((event.subject ?? {}) as never)},
      ${db.json((event.detail ?? {}) as never)})`;
}

/**
 * The audit rows of one kind and actor that `rows` makes (a query of `repository_id`, `subject` and `detail`), as
 * the body of a CTE: for a change made in one statement, whose audit must go in the same statement.
 */
export function auditRowsOf(db: Queryable, kind: AuditKind, actor: AuditActor, rows: postgres.PendingQuery<postgres.Row[]>) {
  return db`
    insert into audit_events (repository_id, kind, actor, subject, detail)
    select repository_id, ${kind}, ${db.json(actor as never)}, subject, detail from (${rows}) as audited`;
}

export interface AuditRow {
  id: number;
  kind: AuditKind;
  actor: AuditActor;
  subject: Record<string, unknown>;
  detail: Record<string, unknown>;
  created_at: Date;
}

export async function pageAudit(
  db: Queryable,
  repositoryId: number,
  filter: { kind?: string },
  page: { limit: number; offset: number },
): Promise<{ rows: AuditRow[]; total: number }> {
  const where = db`repository_id = ${repositoryId} ${filter.kind === undefined ? db`` : db`and kind = ${filter.kind}`}`;
  const [rows, count] = await Promise.all([
    db<AuditRow[]>`select id, kind, actor, subject, detail, created_at from audit_events where ${where}
      order by id desc limit ${page.limit} offset ${page.offset}`,
    db<{ n: number }[]>`select count(*)::int as n from audit_events where ${where}`,
  ]);
  return { rows, total: count[0]?.n ?? 0 };
}
