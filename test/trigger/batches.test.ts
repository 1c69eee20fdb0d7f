// Events alike are written together (one statement for their runs, one for their marks), with the outcome of
// writing them one by one: each its own runs, numbered in event order; and when that write fails, they go one by
// one, so that the failure is the one event's and the events after it wait.
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

const db = useTestDatabase();
let bare: string;
let sha: string;
let repositoryId: number;

const workflow = (name: string) => `from plue import workflow\n\n@workflow(name="${name}", on="push")\ndef ${name.toLowerCase()}(ctx):\n    pass\n`;

async function deps(): Promise<TriggerDeps> {
  const parser = await loadPythonParser();
  return {
    sql: db.sql, log: pino({ level: 'silent' }), maxChangedFiles: 10, maxAttempts: 3, maxDispatchDepth: 16,
    source: new WorkflowSource({ parse: async (task) => task.files.map((f) => parseWorkflowFile(parser, f.path, f.bytes, { maxBytes: task.maxBytes })), maxBytes: 1 << 20 }),
    gitOf: async () => gitRepository(bare),
    match: async (event, files) => matchEvent(event, files),
    retryDelayMs: () => 60_000,
  };
}

let keys = 0;
const pushEvent = () => recordEvent(db.sql, {
  repository_id: repositoryId, kind: 'push', dedup_key: `k${++keys}`, source: 'watcher', payload: { ref: 'refs/heads/main', before: ZERO_ID, after: sha },
}) as Promise<number>;

const eventsOf = (ids: number[]) => db.sql<Array<{ id: number; status: string; attempts: number; last_error: string | null; runs: number[]; listed: number[] }>>`
  select e.id, e.status, e.attempts, e.last_error,
    coalesce((select array_agg(run_number order by run_number) from workflow_runs r where r.event_id = e.id), '{}') as runs,
    coalesce((select array_agg((x->>'run_number')::int order by (x->>'run_number')::int) from jsonb_array_elements(e.result->'runs') x), '{}') as listed
  from events e where e.id = any(${ids}::bigint[]) order by e.id`;

beforeAll(async () => {
  const reposDir = await createTempDir('plue-batches-');
  bare = await createBareRepo(path.join(reposDir, 'acme', 'batches.git'));
  const work = await createWorkRepo(bare);
  sha = await commitFiles(work, { '.plue/workflows/a.py': workflow('A'), '.plue/workflows/b.py': workflow('B') }, 'two workflows');
  await push(work, 'main');
  ({ row: { id: repositoryId } } = await upsertRepository(db.sql, { owner: 'acme', name: 'batches', path: bare, default_branch: 'main' }));
});
afterAll(removeTempDirs);

describe('events written together', () => {
  it('each get their own runs, numbered in event order, and list them', async () => {
    const ids = [await pushEvent(), await pushEvent(), await pushEvent()];
    expect(await triggerNextEvents(await deps(), repositoryId)).toBe('processed');
    const rows = await eventsOf(ids);
    expect(rows.map((r) => r.status)).toEqual(['processed', 'processed', 'processed']);
    const first = rows[0]!.runs[0]!;
    expect(rows.map((r) => r.runs)).toEqual([[first, first + 1], [first + 2, first + 3], [first + 4, first + 5]]);
    expect(rows.map((r) => r.listed)).toEqual(rows.map((r) => r.runs));
  });

  it('when their write fails, go one by one: the failure is one event\'s, later events wait, earlier ones are processed', async () => {
    const ids = [await pushEvent(), await pushEvent(), await pushEvent()];
    // A rule the second event's runs break, as a unique key or a check would.
    await db.sql.unsafe(`
      create function refuse_event() returns trigger language plpgsql as $$
      begin if new.event_id = ${ids[1]} then raise exception 'refused for the test'; end if; return new; end $$;
      create trigger refuse_event before insert on workflow_runs for each row execute function refuse_event();`);
    try {
      expect(await triggerNextEvents(await deps(), repositoryId)).toBe('retry');
    } finally {
      await db.sql.unsafe('drop trigger refuse_event on workflow_runs; drop function refuse_event();');
    }
    const rows = await eventsOf(ids);
    expect(rows.map((r) => [r.status, r.attempts, r.runs.length])).toEqual([['processed', 1, 2], ['pending', 1, 0], ['pending', 0, 0]]);
    expect(rows[1]!.last_error).toMatch(/refused for the test/);
  });
});
