import type { Queryable } from './queryable.js';

// webhooks: the hooks of a repository, or (repository_id null) an admin's hooks that hear every repository; and
// the reads and the redelivery of their deliveries. The sender's statements are in webhook-deliveries.ts.

/** Which hooks a request sees: one repository's, or the admin level's. */
export type HookOwner = { repositoryId: number } | { admin: true };

export interface HookRow {
  id: number;
  repository_id: number | null;
  url: string;
  events: string[];
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface NewHook {
  url: string;
  events: string[];
  secret: string;
  active: boolean;
}

const HOOK_COLUMNS = 'id, repository_id, url, events, active, created_at, updated_at';

function ownedBy(db: Queryable, owner: HookOwner) {
  return 'admin' in owner ? db`repository_id is null` : db`repository_id = ${owner.repositoryId}`;
}

export async function insertHook(db: Queryable, owner: HookOwner, hook: NewHook): Promise<HookRow> {
  const repositoryId = 'admin' in owner ? null : owner.repositoryId;
  const [row] = await db<HookRow[]>`
    insert into webhooks (repository_id, url, events, secret, active)
    values (${repositoryId}, ${hook.url}, ${hook.events}, ${hook.secret}, ${hook.active})
    returning ${db.unsafe(HOOK_COLUMNS)}`;
  return row!;
}

export async function listHooks(db: Queryable, owner: HookOwner): Promise<HookRow[]> {
  return db<HookRow[]>`select ${db.unsafe(HOOK_COLUMNS)} from webhooks where ${ownedBy(db, owner)} order by id`;
}

export async function findHook(db: Queryable, owner: HookOwner, id: number): Promise<HookRow | null> {
  const [row] = await db<HookRow[]>`select ${db.unsafe(HOOK_COLUMNS)} from webhooks where id = ${id} and ${ownedBy(db, owner)}`;
  return row ?? null;
}

export async function updateHook(db: Queryable, owner: HookOwner, id: number, change: Partial<NewHook>): Promise<HookRow | null> {
  const set = Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined));
  if (Object.keys(set).length === 0) return findHook(db, owner, id);
  const [row] = await db<HookRow[]>`
    update webhooks set ${db(set)} where id = ${id} and ${ownedBy(db, owner)} returning ${db.unsafe(HOOK_COLUMNS)}`;
  return row ?? null;
}

export async function deleteHook(db: Queryable, owner: HookOwner, id: number): Promise<boolean> {
  const rows = await db`delete from webhooks where id = ${id} and ${ownedBy(db, owner)} returning id`;
  return rows.length > 0;
}

export interface DeliveryRow {
  id: number;
  hook_id: number;
  delivery_uuid: string;
  event: string;
  action: string;
  run_id: number | null;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: Date;
  last_status_code: number | null;
  last_error: string | null;
  created_at: Date;
  finished_at: Date | null;
}

const DELIVERY_COLUMNS = 'id, hook_id, delivery_uuid, event, action, run_id, status, attempts, next_attempt_at, last_status_code, last_error, created_at, finished_at';

export async function pageDeliveries(
  db: Queryable,
  hookId: number,
  filter: { status?: string },
  page: { limit: number; offset: number },
): Promise<{ rows: DeliveryRow[]; total: number }> {
  const where = db`hook_id = ${hookId} ${filter.status === undefined ? db`` : db`and status = ${filter.status}`}`;
  const [rows, count] = await Promise.all([
    db<DeliveryRow[]>`select ${db.unsafe(DELIVERY_COLUMNS)} from webhook_deliveries where ${where}
      order by id desc limit ${page.limit} offset ${page.offset}`,
    db<{ n: number }[]>`select count(*)::int as n from webhook_deliveries where ${where}`,
  ]);
  return { rows, total: count[0]?.n ?? 0 };
}

export async function findDelivery(db: Queryable, hookId: number, id: number): Promise<DeliveryRow | null> {
  const [row] = await db<DeliveryRow[]>`select ${db.unsafe(DELIVERY_COLUMNS)} from webhook_deliveries where id = ${id} and hook_id = ${hookId}`;
  return row ?? null;
}

/** A failed delivery back to pending, due now, its attempts from 0 and its delivery id kept; null if not failed. */
export async function requeueFailedDelivery(db: Queryable, hookId: number, id: number): Promise<DeliveryRow | null> {
  const [row] = await db<DeliveryRow[]>`
    update webhook_deliveries set status = 'pending', attempts = 0, next_attempt_at = now(), finished_at = null
    where id = ${id} and hook_id = ${hookId} and status = 'failed'
    returning ${db.unsafe(DELIVERY_COLUMNS)}`;
  return row ?? null;
}
