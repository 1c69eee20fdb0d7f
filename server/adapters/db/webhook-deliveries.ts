import type { Sql } from './connect.js';
import type { Queryable } from './queryable.js';
import { WAIT_ACTIONS } from '../../core/webhooks/payload.js';
import type { OutboxChange, WebhookPayload } from '../../core/webhooks/payload.js';

// The sender's statements: outbox rows → deliveries (one transaction), deliveries claimed with SKIP LOCKED, and
// each attempt's result. See services/webhooks/sender.ts.

export const OUTBOX_CHANNEL = 'plue_outbox';

interface OutboxJoinRow {
  id: number; repository_id: number; kind: OutboxChange['kind']; run_id: number | null; subject_id: number; state: string; created_at: Date;
  owner: string; repo_name: string;
  r_id: number | null; run_number: number; title: string; workflow_name: string; workflow_path: string; function_name: string;
  trigger_event: string; ref: string; commit_sha: string; r_created_at: Date; r_started_at: Date | null; r_stopped_at: Date | null;
  j_id: number | null; j_name: string; j_job_id: string; j_attempt: number; j_started_at: Date | null; j_stopped_at: Date | null;
  s_id: number | null; s_sha: string; s_context: string; s_state: string; s_description: string; s_target_path: string | null; s_created_at: Date;
  w_id: number | null; w_name: string; w_wait_key: string; w_filters: Record<string, unknown> | null; w_started_at: Date; w_deadline: Date;
  w_resolved_at: Date | null; w_timed_out: boolean; w_event_id: number | null;
}

function changeOf(row: OutboxJoinRow): OutboxChange {
  return {
    outbox_id: row.id, kind: row.kind, state: row.state, changed_at: row.created_at,
    repository: { id: row.repository_id, owner: row.owner, name: row.repo_name },
    run: row.r_id === null ? null : {
      id: row.r_id, run_number: row.run_number, title: row.title, workflow_name: row.workflow_name, workflow_path: row.workflow_path,
      function_name: row.function_name, trigger_event: row.trigger_event, ref: row.ref, commit_sha: row.commit_sha,
      created_at: row.r_created_at, started_at: row.r_started_at, stopped_at: row.r_stopped_at,
    },
    job: row.j_id === null ? null : { id: row.j_id, name: row.j_name, job_id: row.j_job_id, attempt: row.j_attempt, started_at: row.j_started_at, stopped_at: row.j_stopped_at },
    status: row.s_id === null ? null : {
      id: row.s_id, sha: row.s_sha, context: row.s_context, state: row.s_state, description: row.s_description,
      target_path: row.s_target_path, created_at: row.s_created_at,
    },
    wait: row.w_id === null ? null : {
      id: row.w_id, name: row.w_name, wait_key: row.w_wait_key, filters: row.w_filters, started_at: row.w_started_at, deadline: row.w_deadline,
      resolved_at: row.w_resolved_at, timed_out: row.w_timed_out, event_id: row.w_event_id,
    },
  };
}

interface MatchingHook { id: number; repository_id: number | null; events: string[]; created_at: Date }

/**
 * Takes up to `limit` outbox rows (SKIP LOCKED: replicas share the work), writes one delivery per matching active
 * hook that existed at the change, and deletes the rows, all in one transaction. Returns how many rows it took.
 */
export async function expandOutbox(sql: Sql, limit: number, payloadOf: (change: OutboxChange) => WebhookPayload): Promise<number> {
  return sql.begin(async (tx) => {
    const rows = await tx<OutboxJoinRow[]>`
      with taken as (select id from outbox order by id limit ${limit} for update skip locked)
      select o.id, o.repository_id, o.kind, o.run_id, o.subject_id, o.state, o.created_at, p.owner, p.name as repo_name,
        r.id as r_id, r.run_number, r.title, r.workflow_name, r.workflow_path, r.function_name, r.trigger_event, r.ref, r.commit_sha,
        r.created_at as r_created_at, r.started_at as r_started_at, r.stopped_at as r_stopped_at,
        j.id as j_id, j.name as j_name, j.job_id as j_job_id, j.attempt as j_attempt, j.started_at as j_started_at, j.stopped_at as j_stopped_at,
        s.id as s_id, s.sha as s_sha, s.context as s_context, s.state as s_state, s.description as s_description,
        s.target_path as s_target_path, s.created_at as s_created_at,
        w.id as w_id, w.name as w_name, w.wait_key as w_wait_key, w.filters as w_filters, w.started_at as w_started_at, w.deadline as w_deadline,
        w.resolved_at as w_resolved_at, w.timed_out as w_timed_out, w.event_id as w_event_id
      from taken join outbox o using (id) join repositories p on p.id = o.repository_id
      left join workflow_runs r on r.id = o.run_id
      left join workflow_jobs j on o.kind = 'job' and j.id = o.subject_id
      left join commit_statuses s on o.kind = 'status' and s.id = o.subject_id
      left join run_waits w on o.kind = 'run' and o.state in (${WAIT_ACTIONS[0]}, ${WAIT_ACTIONS[1]}) and w.id = o.subject_id
      order by o.id`;
    if (rows.length === 0) return 0;
    const repositoryIds = [...new Set(rows.map((r) => r.repository_id))];
    const hooks = await tx<MatchingHook[]>`
      select id, repository_id, events, created_at from webhooks
      where active and (repository_id is null or repository_id = any(${repositoryIds}::bigint[]))`;
    const deliveries: Array<Record<string, unknown>> = [];
    for (const row of rows) {
      const matching = hooks.filter((h) => (h.repository_id === null || h.repository_id === row.repository_id)
        && (h.events.includes('*') || h.events.includes(row.kind)) && h.created_at <= row.created_at);
      if (matching.length === 0) continue;
      const payload = payloadOf(changeOf(row));
      for (const hook of matching) {
        deliveries.push({
          hook_id: hook.id, outbox_id: row.id, repository_id: row.repository_id, run_id: payload.run_id,
          event: payload.event, action: payload.action, payload: payload.body,
        });
      }
    }
    // A crash after this and before the commit leaves the outbox rows: redone once, the unique key keeps it once.
    for (let i = 0; i < deliveries.length; i += 1000) {
      await tx`insert into webhook_deliveries ${tx(deliveries.slice(i, i + 1000))} on conflict (hook_id, outbox_id) do nothing`;
    }
    await tx`delete from outbox where id = any(${rows.map((r) => r.id)}::bigint[])`;
    return rows.length;
  });
}

export interface ClaimedDelivery {
  id: number;
  delivery_uuid: string;
  event: string;
  payload: string;
  attempts: number;
  url: string;
  secret: string;
}

/**
 * Claims up to `limit` due deliveries: counts the attempt and pushes `next_attempt_at` past `leaseMs`, so that a
 * sender that dies mid-send leaves it due again later (the same delivery id). One hook's deliveries of one run go
 * one at a time, in the order of their changes: none while an earlier one is pending (in flight or waiting for
 * its retry), or while an earlier change of the run is still in the outbox.
 */
export async function claimDeliveries(db: Queryable, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  return db<ClaimedDelivery[]>`
    update webhook_deliveries d set attempts = d.attempts + 1, next_attempt_at = now() + ${leaseMs} * interval '1 millisecond'
    from webhooks h
    where h.id = d.hook_id and d.id in (
      select c.id from webhook_deliveries c join webhooks ch on ch.id = c.hook_id
      where c.status = 'pending' and c.next_attempt_at <= now() and ch.active
        and not exists (select 1 from webhook_deliveries e
          where e.hook_id = c.hook_id and e.run_id = c.run_id and e.status = 'pending' and e.outbox_id < c.outbox_id)
        and not exists (select 1 from outbox o where o.run_id = c.run_id and o.id < c.outbox_id)
      order by c.next_attempt_at, c.id limit ${limit}
      for update of c skip locked)
    returning d.id, d.delivery_uuid, d.event, d.payload, d.attempts, h.url, h.secret`;
}

export type AttemptRecord =
  | { status: 'delivered'; statusCode: number }
  | { status: 'pending'; statusCode: number | null; error: string; retryInMs: number }
  | { status: 'failed'; statusCode: number | null; error: string };

/** Writes an attempt's result, unless the delivery was claimed again since (its lease ran out). */
export async function recordAttempt(db: Queryable, claimed: { id: number; attempts: number }, record: AttemptRecord): Promise<void> {
  const code = record.statusCode;
  const error = record.status === 'delivered' ? null : record.error;
  const next = record.status === 'pending' ? db`now() + ${record.retryInMs} * interval '1 millisecond'` : db`next_attempt_at`;
  await db`
    update webhook_deliveries set status = ${record.status}, last_status_code = ${code}, last_error = ${error},
      next_attempt_at = ${next}, finished_at = ${record.status === 'pending' ? null : db`now()`}
    where id = ${claimed.id} and attempts = ${claimed.attempts} and status = 'pending'`;
}

/** When the next pending delivery falls due, if any: the sender sleeps until then (or its poll). */
export async function nextDeliveryDue(db: Queryable): Promise<Date | null> {
  const [row] = await db<{ at: Date | null }[]>`select min(next_attempt_at) as at from webhook_deliveries where status = 'pending' and next_attempt_at > now()`;
  return row?.at ?? null;
}
