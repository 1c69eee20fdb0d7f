// Dead letters through the API, on two replicas sharing one database: an event that fails for good is listed
// (`?status=failed`) with its error and audit row, an admin retries it (a repository token may not), and the host
// redelivering it under the same delivery id has it processed again: one run, not zero, not two.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../server/services/service.js';
import { git, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { waitFor } from '../support/service.js';
import { call, createApiRepo, expectError, startApiService } from './support.js';
import type { ApiRepo } from './support.js';
import { createApiToken } from '../../server/services/api/tokens.js';

const db = useTestDatabase();
let repo: ApiRepo;
let replicas: Service[] = [];
let repoToken: string;
let admin: { token: string; id: number };
const events = '/api/repos/acme/app/events';

const eventOf = async (id: number) => (await db.sql<Array<{ status: string; runs: number }>>`
  select status, (select count(*)::int from workflow_runs where event_id = e.id) as runs from events e where id = ${id}`)[0]!;
const auditOf = (id: number) => db.sql<Array<{ kind: string; actor: unknown; detail: Record<string, unknown> }>>`
  select kind, actor, detail from audit_events where subject->>'event_id' = ${String(id)} order by id`;

/** A dispatch of `release` recorded while the branch is there, triggered once it is gone: failed for good. */
async function deadLetter(deliveryId: string): Promise<number> {
  await git(['update-ref', 'refs/heads/release', repo.shas.main], repo.bare);
  for (const replica of replicas) await replica.trigger.stop();
  const recorded = await call(replicas[0]!, 'POST', events, { token: repoToken, body: { event: 'dispatch', ref: 'release', delivery_id: deliveryId } });
  expect(recorded.status).toBe(202);
  await git(['update-ref', '-d', 'refs/heads/release'], repo.bare);
  for (const replica of replicas) replica.trigger.start();
  const id = recorded.body.event_id as number;
  await waitFor(async () => (await eventOf(id)).status === 'failed', 'the event to fail');
  return id;
}

beforeAll(async () => {
  repo = await createApiRepo();
  replicas = [await startApiService(db.url, repo), await startApiService(db.url, repo)];
  repoToken = (await createApiToken(db.sql, { scope: 'repo:acme/app' })).token;
  const made = await createApiToken(db.sql, { scope: 'admin' });
  admin = { token: made.token, id: made.row.id };
});
afterAll(async () => {
  for (const replica of replicas) await replica.close();
  await removeTempDirs();
});

describe('a dead letter', () => {
  it('is listed with its error, audited, and retried by an admin through the other replica: processed once', async () => {
    const id = await deadLetter('release-1');
    const failed = await call(replicas[1]!, 'GET', `${events}?status=failed`, { token: repoToken });
    expect(failed.status).toBe(200);
    expect(failed.body.total_count).toBe(1);
    expect(failed.body.events[0]).toMatchObject({
      event_id: id, event: 'dispatch', status: 'failed', source: 'api', attempts: 1, next_attempt_at: null, runs: [],
      error: 'refs/heads/release does not name a commit of this repository',
    });
    expect(failed.body.events[0].processed_at).toEqual(expect.any(String));
    expect((await auditOf(id)).map((a) => [a.kind, a.actor, a.detail.reason])).toEqual([['event.dead_lettered', { service: 'trigger' }, 'permanent']]);

    // Not with a repository's token; not an event that did not fail.
    expectError(await call(replicas[0]!, 'POST', `${events}/${id}/retry`, { token: repoToken }), 403, 'forbidden');
    const processed = await call(replicas[0]!, 'POST', `${events}?wait=true`, { token: repoToken, body: { event: 'dispatch' } });
    expect(processed.body.status).toBe('processed');
    const refused = await call(replicas[0]!, 'POST', `${events}/${processed.body.event_id}/retry`, { token: admin.token });
    expectError(refused, 409, 'event_not_failed');
    expect(refused.body.error.details).toEqual({ status: 'processed' });
    expectError(await call(replicas[0]!, 'POST', `${events}/999999/retry`, { token: admin.token }), 404, 'not_found');

    // The branch is back: an admin retries it through the other replica, and it is processed once.
    await git(['update-ref', 'refs/heads/release', repo.shas.main], repo.bare);
    const retried = await call(replicas[1]!, 'POST', `${events}/${id}/retry`, { token: admin.token });
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ event_id: id, status: 'pending', attempts: 0, next_attempt_at: null });
    await waitFor(async () => (await eventOf(id)).status === 'processed', 'the retried event');
    expect(await eventOf(id)).toEqual({ status: 'processed', runs: 1 });
    expect((await auditOf(id)).map((a) => [a.kind, a.actor, a.detail.reason])).toEqual([
      ['event.dead_lettered', { service: 'trigger' }, 'permanent'],
      ['event.retried', { token_id: admin.id }, 'by_hand'],
    ]);
    const one = await call(replicas[0]!, 'GET', `${events}/${id}`, { token: repoToken });
    expect(one.body).toMatchObject({ status: 'processed', error: null, attempts: 1 });
    expect(one.body.runs.map((r: { workflow: { name: string } }) => r.workflow.name)).toEqual(['Hook']);
    // Retrying it again is a conflict.
    expectError(await call(replicas[1]!, 'POST', `${events}/${id}/retry`, { token: admin.token }), 409, 'event_not_failed');
  });

  it('redelivered by the host under the same delivery id is processed again: one run, not zero, not two', async () => {
    const id = await deadLetter('release-2');
    await git(['update-ref', 'refs/heads/release', repo.shas.main], repo.bare);
    const body = { event: 'dispatch', ref: 'release', delivery_id: 'release-2' };
    const again = await call(replicas[1]!, 'POST', `${events}?wait=true`, { token: repoToken, body });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ event_id: id, duplicate: false, reopened: true, status: 'processed', error: null });
    expect(again.body.runs).toHaveLength(1);
    const third = await call(replicas[0]!, 'POST', `${events}?wait=true`, { token: repoToken, body });
    expect(third.body).toMatchObject({ event_id: id, duplicate: true, status: 'processed', runs: again.body.runs });
    expect(third.body.reopened).toBeUndefined();
    expect(await eventOf(id)).toEqual({ status: 'processed', runs: 1 });
    expect((await auditOf(id)).map((a) => [a.kind, a.actor, a.detail.reason])).toEqual([
      ['event.dead_lettered', { service: 'trigger' }, 'permanent'],
      ['event.retried', { service: 'api' }, 'redelivered'],
    ]);
    // The re-opening's audit (written by the insert statement itself) says what the failed attempt left.
    expect((await auditOf(id)).at(-1)!.detail).toEqual({
      reason: 'redelivered', previous_attempts: expect.any(Number), previous_error: expect.stringContaining('release'),
    });
    // A different event under that delivery id is still refused.
    expectError(await call(replicas[0]!, 'POST', events, { token: repoToken, body: { ...body, action: 'other' } }), 422, 'idempotency_key_reused');
  });

  it('every status is listed, newest first, paged', async () => {
    const all = await call(replicas[0]!, 'GET', `${events}?per_page=2`, { token: repoToken });
    expect(all.status).toBe(200);
    const total = (await db.sql<{ n: number }[]>`select count(*)::int as n from events`)[0]!.n;
    expect(all.body.total_count).toBe(total);
    expect(all.body.events).toHaveLength(2);
    expect(all.body.events[0].event_id).toBeGreaterThan(all.body.events[1].event_id);
    const processed = await call(replicas[0]!, 'GET', `${events}?status=processed&per_page=100`, { token: repoToken });
    expect(processed.body.events.every((e: { status: string }) => e.status === 'processed')).toBe(true);
    expect((await call(replicas[0]!, 'GET', `${events}?status=failed`, { token: repoToken })).body.total_count).toBe(0);
    expect((await call(replicas[0]!, 'GET', `${events}?status=pending`, { token: repoToken })).body).toEqual({ total_count: 0, events: [] });
    expectError(await call(replicas[0]!, 'GET', `${events}?status=dead`, { token: repoToken }), 400, 'invalid_request');
  });
});
