// Retries and dead letters at the trigger: a transient failure waits for its retry time (holding back the
// repository's later events), then is processed; a permanent one, or one whose attempts are used up, is failed at
// once and audited in the same transaction.
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvent } from '../../server/adapters/db/events.js';
import { upsertRepository } from '../../server/adapters/db/repositories.js';
import { gitRepository } from '../../server/adapters/git/index.js';
import { loadPythonParser } from '../../server/adapters/tree-sitter.js';
import { parseWorkflowFile } from '../../server/core/language/index.js';
import { matchEvent } from '../../server/core/match/index.js';
import { triggerNextEvents } from '../../server/services/trigger/trigger-event.js';
import type { TriggerDeps } from '../../server/services/trigger/trigger-event.js';
import { WorkflowSource } from '../../server/services/trigger/workflow-source.js';
import { ZERO_ID, commitFiles, createBareRepo, createTempDir, createWorkRepo, push, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { waitFor } from '../support/service.js';

const db = useTestDatabase();
let bare: string;
let sha: string;
let repositoryId: number;
let failures: unknown[] = [];
const delays: number[] = [];

const CI = 'from plue import workflow\n\n@workflow(name="CI", on="push")\ndef ci(ctx):\n    pass\n';

async function deps(overrides: Partial<TriggerDeps> = {}): Promise<TriggerDeps> {
  const parser = await loadPythonParser();
  return {
    sql: db.sql, log: pino({ level: 'silent' }), maxChangedFiles: 10, maxAttempts: 3, maxDispatchDepth: 16,
    source: new WorkflowSource({ parse: async (task) => task.files.map((f) => parseWorkflowFile(parser, f.path, f.bytes, { maxBytes: task.maxBytes })), maxBytes: 1 << 20 }),
    gitOf: async () => gitRepository(bare),
    // The failures queued by a test come first, one per match.
    match: async (event, files) => {
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
      return matchEvent(event, files);
    },
    retryDelayMs: (attempt) => {
      delays.push(attempt);
      return 300;
    },
    ...overrides,
  };
}

let keys = 0;
const pushEvent = (payload: Record<string, unknown> = { ref: 'refs/heads/main', before: ZERO_ID, after: sha }) =>
  recordEvent(db.sql, { repository_id: repositoryId, kind: 'push', dedup_key: `k${++keys}`, source: 'watcher', payload }) as Promise<number>;

const eventRow = async (id: number) => (await db.sql<Array<{ status: string; attempts: number; last_error: string | null; waits: boolean; runs: number }>>`
  select status, attempts, last_error, coalesce(next_attempt_at > clock_timestamp(), false) as waits,
    (select count(*)::int from workflow_runs where event_id = e.id) as runs
  from events e where id = ${id}`)[0]!;
const auditOf = (id: number) => db.sql<Array<{ kind: string; actor: unknown; subject: unknown; detail: Record<string, unknown> }>>`
  select kind, actor, subject, detail from audit_events where subject->>'event_id' = ${String(id)} order by id`;

beforeAll(async () => {
  const reposDir = await createTempDir('plue-retries-');
  bare = await createBareRepo(path.join(reposDir, 'acme', 'retries.git'));
  const work = await createWorkRepo(bare);
  sha = await commitFiles(work, { '.plue/workflows/ci.py': CI }, 'ci');
  await push(work, 'main');
  ({ row: { id: repositoryId } } = await upsertRepository(db.sql, { owner: 'acme', name: 'retries', path: bare, default_branch: 'main' }));
});
afterAll(removeTempDirs);

describe('a transient failure', () => {
  it('is retried after its backoff, holding back the later events, then processed in order', async () => {
    const trigger = await deps();
    failures = [Object.assign(new Error('git cat-file: timed out'), { name: 'GitError' })];
    const first = await pushEvent();
    const second = await pushEvent();
    expect(await triggerNextEvents(trigger, repositoryId)).toBe('retry');
    expect(await eventRow(first)).toMatchObject({ status: 'pending', attempts: 1, last_error: 'git cat-file: timed out', waits: true, runs: 0 });
    expect(await eventRow(second)).toMatchObject({ status: 'pending', attempts: 0, runs: 0 }); // its attempt given back
    // Not before its time: nothing starts, and the later event waits behind it.
    expect(await triggerNextEvents(trigger, repositoryId)).toBe('none');
    await waitFor(async () => !(await eventRow(first)).waits, 'the retry time');
    expect(await triggerNextEvents(trigger, repositoryId)).toBe('processed');
    expect(await eventRow(first)).toMatchObject({ status: 'processed', attempts: 2, runs: 1, last_error: null });
    // Retried alone; the next batch takes the later one.
    expect(await eventRow(second)).toMatchObject({ status: 'pending' });
    expect(await triggerNextEvents(trigger, repositoryId)).toBe('processed');
    expect(await eventRow(second)).toMatchObject({ status: 'processed', runs: 1 });
    expect(await triggerNextEvents(trigger, repositoryId)).toBe('none');
    expect(await auditOf(first)).toEqual([]);
  });

  it('a lost database connection rolls the batch back: the attempts stay counted, and each event waits its backoff', async () => {
    const trigger = await deps();
    failures = [Object.assign(new Error('write CONNECTION_CLOSED'), { code: 'CONNECTION_CLOSED' })];
    const first = await pushEvent();
    const second = await pushEvent();
    await expect(triggerNextEvents(trigger, repositoryId)).rejects.toThrow('CONNECTION_CLOSED');
    expect(await eventRow(first)).toMatchObject({ status: 'pending', attempts: 1, waits: true, last_error: null });
    expect(await eventRow(second)).toMatchObject({ status: 'pending', attempts: 1, waits: true });
    expect(await triggerNextEvents(trigger, repositoryId)).toBe('none');
    await waitFor(async () => (await triggerNextEvents(trigger, repositoryId)) === 'processed', 'the first retry');
    await waitFor(async () => (await triggerNextEvents(trigger, repositoryId)) === 'processed', 'the second retry');
    expect([(await eventRow(first)).runs, (await eventRow(second)).runs]).toEqual([1, 1]);
  });

  it('is dead-lettered once its attempts are used up, and audited', async () => {
    const trigger = await deps();
    const gitFailure = Object.assign(new Error('git cat-file exited with 128'), { name: 'GitError' });
    failures = [gitFailure, gitFailure, gitFailure];
    const id = await pushEvent();
    for (let attempt = 1; attempt <= 3; attempt++) {
      await waitFor(async () => !(await eventRow(id)).waits, 'the retry time');
      expect(await triggerNextEvents(trigger, repositoryId)).toBe('retry');
    }
    expect(await eventRow(id)).toMatchObject({ status: 'failed', attempts: 3, last_error: 'git cat-file exited with 128', waits: false, runs: 0 });
    expect(await auditOf(id)).toEqual([{
      kind: 'event.dead_lettered', actor: { service: 'trigger' }, subject: { event_id: id, kind: 'push' },
      detail: { error: 'git cat-file exited with 128', attempts: 3, reason: 'attempts_used' },
    }]);
  });

  it('an attempt that never finished (a crash) still counts; the last one is given up at the next start, audited', async () => {
    const id = await pushEvent();
    await db.sql`update events set attempts = 3, next_attempt_at = clock_timestamp() + interval '1 hour' where id = ${id}`;
    expect(await triggerNextEvents(await deps(), repositoryId)).toBe('none');
    expect(await eventRow(id)).toMatchObject({ status: 'failed', attempts: 3, last_error: 'gave up after 3 attempts: the last one did not finish' });
    expect((await auditOf(id)).map((a) => [a.kind, a.detail.reason])).toEqual([['event.dead_lettered', 'attempts_used']]);
  });
});

describe('a permanent failure', () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['a malformed payload', { ref: 'refs/heads/main', before: ZERO_ID }, /^the push payload lacks `after`$/],
    ['work over its budget', {}, /^matching took longer/],
  ])('%s is dead-lettered at once, with its audit row', async (_, payload, error) => {
    if (Object.keys(payload).length === 0) {
      failures = [Object.assign(new Error('matching took longer than its limit of 1 s and was stopped'), { name: 'UntrustedWorkError' })];
    }
    const id = Object.keys(payload).length === 0 ? await pushEvent() : await pushEvent(payload);
    const later = await pushEvent();
    expect(await triggerNextEvents(await deps(), repositoryId)).toBe('retry');
    const row = await eventRow(id);
    expect(row).toMatchObject({ status: 'failed', attempts: 1, runs: 0 });
    expect(row.last_error).toMatch(error);
    const [audit] = await auditOf(id);
    expect(audit).toMatchObject({ kind: 'event.dead_lettered', actor: { service: 'trigger' }, detail: { attempts: 1, reason: 'permanent' } });
    // A dead letter holds nothing back.
    expect(await triggerNextEvents(await deps(), repositoryId)).toBe('processed');
    expect(await eventRow(later)).toMatchObject({ status: 'processed', runs: 1 });
  });

  it('a dispatch naming a ref that does not exist is dead-lettered at once', async () => {
    const id = await recordEvent(db.sql, { repository_id: repositoryId, kind: 'dispatch', dedup_key: 'gone', source: 'api', payload: { ref: 'refs/heads/gone' } });
    expect(await triggerNextEvents(await deps(), repositoryId)).toBe('retry');
    expect(await eventRow(id!)).toMatchObject({ status: 'failed', attempts: 1, last_error: 'refs/heads/gone does not name a commit of this repository' });
  });
});

it('the backoff is asked for the attempt that failed', () => {
  expect(delays.length).toBeGreaterThan(0);
  expect(delays.every((a) => a >= 1 && a <= 3)).toBe(true);
});
