import type { Sql } from '../../adapters/db/connect.js';
import { OUTBOX_CHANNEL } from '../../adapters/db/webhook-deliveries.js';
import { findDelivery, findHook, insertHook, requeueFailedDelivery, updateHook } from '../../adapters/db/webhooks.js';
import type { DeliveryRow, HookOwner, HookRow, NewHook } from '../../adapters/db/webhooks.js';
import { refusedHostReason } from '../../adapters/http/webhook-post.js';
import { checkHookUrl } from '../../core/webhooks/hook-url.js';
import { AppError } from '../errors/app-error.js';

// Hooks as the API changes them: a URL is checked when it is set (the sender checks it again at every send, as
// the host's DNS answers may change), and a failed delivery is put back by hand.

async function checkUrl(url: string, allowPrivate: boolean): Promise<void> {
  const checked = checkHookUrl(url, allowPrivate);
  if (!checked.ok) throw new AppError('webhook_url_refused', { reason: checked.reason }, { url });
  if (checked.ipLiteral === null && !allowPrivate) {
    const refused = await refusedHostReason(checked.url.hostname);
    if (refused) throw new AppError('webhook_url_refused', { reason: `${checked.url.hostname} resolves to a refused address: ${refused}` }, { url });
  }
}

export async function createHook(sql: Sql, owner: HookOwner, hook: NewHook, allowPrivate: boolean): Promise<HookRow> {
  await checkUrl(hook.url, allowPrivate);
  return insertHook(sql, owner, hook);
}

export async function changeHook(sql: Sql, owner: HookOwner, id: number, change: Partial<NewHook>, allowPrivate: boolean): Promise<HookRow> {
  if (change.url !== undefined) await checkUrl(change.url, allowPrivate);
  const row = await updateHook(sql, owner, id, change);
  if (!row) throw new AppError('not_found', { what: `hook ${id}` });
  return row;
}

export async function hookOf(sql: Sql, owner: HookOwner, id: number): Promise<HookRow> {
  const row = await findHook(sql, owner, id);
  if (!row) throw new AppError('not_found', { what: `hook ${id}` });
  return row;
}

/** A failed delivery goes out again with its X-Plue-Delivery; every replica's sender is woken. */
export async function redeliver(sql: Sql, owner: HookOwner, hookId: number, deliveryId: number): Promise<DeliveryRow> {
  await hookOf(sql, owner, hookId);
  const row = await requeueFailedDelivery(sql, hookId, deliveryId);
  if (row) {
    await sql`select pg_notify(${OUTBOX_CHANNEL}, '')`;
    return row;
  }
  const existing = await findDelivery(sql, hookId, deliveryId);
  if (!existing) throw new AppError('not_found', { what: `delivery ${deliveryId}` });
  throw new AppError('delivery_not_failed', { delivery: deliveryId, status: existing.status }, { status: existing.status });
}
