// Attempts are counted before work on an event starts, and given back when no work was tried.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { recordEvent } from '../../server/adapters/db/events.js';
import { upsertRepository } from '../../server/adapters/db/repositories.js';
import { triggerNextEvents } from '../../server/services/trigger/trigger-event.js';
import type { TriggerDeps } from '../../server/services/trigger/trigger-event.js';
import { WorkflowSource } from '../../server/services/trigger/workflow-source.js';
import { useTestDatabase } from '../support/db.js';

const db = useTestDatabase();

describe('event attempts', () => {
  it('are not used up while this replica has not found the repository on disk', async () => {
    const { row } = await upsertRepository(db.sql, { owner: 'acme', name: 'elsewhere', path: '/nowhere/acme/elsewhere.git', default_branch: 'main' });
    const id = await recordEvent(db.sql, {
      repository_id: row.id, kind: 'push', dedup_key: 'k1', source: 'watcher',
      payload: { ref: 'refs/heads/main', before: '0'.repeat(40), after: 'a'.repeat(40) },
    });
    const deps: TriggerDeps = {
      sql: db.sql, log: pino({ level: 'silent' }), maxChangedFiles: 10, maxAttempts: 5, maxDispatchDepth: 16,
      source: new WorkflowSource({ parse: async () => [], maxBytes: 1 }),
      gitOf: async () => null,
      match: async () => ({ matched: [], skipped: [] }),
    };
    for (let i = 0; i < 8; i++) expect(await triggerNextEvents(deps, row.id)).toBe('busy');
    const [event] = await db.sql<{ status: string; attempts: number }[]>`select status, attempts from events where id = ${id!}`;
    expect(event).toEqual({ status: 'pending', attempts: 0 });
  });
});
