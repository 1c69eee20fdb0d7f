import type { Sql } from '../../adapters/db/connect.js';
import { findEventOf, retryFailedEvent } from '../../adapters/db/events.js';
import type { EventOutcomeRow } from '../../adapters/db/events.js';
import { AppError } from '../errors/app-error.js';

/**
 * An admin retries a dead letter: the failed event goes back to pending (attempts reset, due at once), audited
 * `event.retried` with the token, in one transaction. The caller kicks the trigger.
 */
export async function retryEventByHand(sql: Sql, repositoryId: number, eventId: number, tokenId: number): Promise<EventOutcomeRow> {
  const retried = await sql.begin((tx) => retryFailedEvent(tx, repositoryId, eventId, { token_id: tokenId }));
  if (retried.outcome === 'not_found') throw new AppError('not_found', { what: `event ${eventId}` });
  if (retried.outcome === 'not_failed') {
    throw new AppError('event_not_failed', { event: eventId, status: retried.status }, { status: retried.status });
  }
  const row = await findEventOf(sql, repositoryId, eventId);
  if (!row) throw new AppError('not_found', { what: `event ${eventId}` });
  return row;
}
