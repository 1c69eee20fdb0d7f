// Schedules end to end on two replicas sharing one database, on a clock the test moves: each instant fires once,
// within about a second, at the default branch's commit; after downtime only a recent instant is caught up; a
// push changes or stops a schedule at once.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../server/services/api/tokens.js';
import type { Service } from '../../server/services/service.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, git, push, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { pythonExampleAfter } from '../support/docs-examples.js';
import { startTestService, waitFor, waitForPushTriggered } from '../support/service.js';

const NIGHTLY_DOC = pythonExampleAfter('workflows.md', '## When schedules fire');

const everyMinute = (cron = '* * * * *', extra = '') => `from plue import workflow, schedule


@workflow(name="Tick", on=schedule(cron="${cron}")${extra})
async def tick(ctx):
    pass
`;

/** The time both replicas see: the real clock moved by `offset`, or standing still at `stopped`. */
const clock = {
  offset: 0,
  stopped: null as number | null,
  now: () => new Date(clock.stopped ?? Date.now() + clock.offset),
};
/** Moves the clock so that it reads `iso` now, and lets it run. */
const setClock = (iso: string) => {
  clock.stopped = null;
  clock.offset = Date.parse(iso) - Date.now();
};
/** Stops the clock at `iso`: no instant passes while a push is being triggered, however slow the machine. */
const stopClock = (iso: string) => { clock.stopped = Date.parse(iso); };

const db = useTestDatabase();
let reposDir: string;
let work: string;
let replicas: Service[] = [];
let token: string;

async function startReplicas(env: Record<string, string> = {}): Promise<void> {
  for (let i = 0; i < 2; i++) replicas.push(await startTestService({ databaseUrl: db.url, reposDir, clock: clock.now, env }));
}

async function stopReplicas(): Promise<void> {
  for (const service of replicas) await service.close();
  replicas = [];
}

interface ScheduleEventRow { id: number; payload: { scheduled_at: string; cron: string; timezone: string; missed_instants: number }; status: string }

async function scheduleEvents(): Promise<ScheduleEventRow[]> {
  return db.sql<ScheduleEventRow[]>`select id, payload, status from events where kind = 'schedule' order by id`;
}

/** Waits for the event of the instant `iso` to be triggered; returns all schedule events so far. */
async function waitForInstant(iso: string): Promise<ScheduleEventRow[]> {
  return waitFor(async () => {
    const rows = await scheduleEvents();
    return rows.some((r) => r.payload.scheduled_at === iso && r.status === 'processed') ? rows : null;
  }, `the schedule event of ${iso}`);
}

const eventOf = (rows: ScheduleEventRow[], iso: string) => rows.find((r) => r.payload.scheduled_at === iso);

async function pushWorkflows(files: Record<string, string | null>, message: string): Promise<string> {
  const sha = await commitFiles(work, files, message);
  await push(work, 'HEAD:refs/heads/main');
  await waitForPushTriggered(db.sql, 'refs/heads/main', sha);
  return sha;
}

async function schedulesJson(): Promise<{ schedules: Array<{ cron: string; timezone: string; next: string[]; last_instant: string | null; last_run: { status: string } | null; workflow: { name: string } }> }> {
  const response = await fetch(`${replicas[0]!.url}/api/repos/acme/app/schedules?count=3`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return response.json() as never;
}

beforeAll(async () => {
  reposDir = await createTempDir('plue-repos-');
  const bare = await createBareRepo(path.join(reposDir, 'acme', 'app.git'));
  work = await createWorkRepo(bare);
  await commitFiles(work, { 'README.md': 'app' }, 'first');
  await push(work, 'HEAD:refs/heads/main');
  token = (await createApiToken(db.sql, { scope: 'admin' })).token;
});

afterAll(async () => {
  await stopReplicas();
  await removeTempDirs();
});

describe('a schedule on two replicas', () => {
  it('fires each instant once, at the commit of the default branch, with the instant in the payload', async () => {
    stopClock('2026-06-01T10:00:00Z');
    await startReplicas();
    const sha = await pushWorkflows({ '.plue/workflows/tick.py': everyMinute() }, 'tick');
    setClock('2026-06-01T10:00:58Z');
    const [event] = await waitForInstant('2026-06-01T10:01:00.000Z');
    expect(event!.payload).toMatchObject({ scheduled_at: '2026-06-01T10:01:00.000Z', cron: '* * * * *', timezone: 'UTC', missed_instants: 0 });
    const [run] = await db.sql<{ commit_sha: string; trigger_event: string; event_payload: { scheduled_at: string } }[]>`
      select commit_sha, trigger_event, event_payload from workflow_runs where event_id = ${event!.id}`;
    expect(run).toMatchObject({ commit_sha: sha, trigger_event: 'schedule', event_payload: { scheduled_at: '2026-06-01T10:01:00.000Z' } });
    const listed = await schedulesJson();
    expect(listed.schedules).toEqual([expect.objectContaining({
      cron: '* * * * *', timezone: 'UTC', workflow: expect.objectContaining({ name: 'Tick' }),
      next: ['2026-06-01T10:02:00.000Z', '2026-06-01T10:03:00.000Z', '2026-06-01T10:04:00.000Z'],
      last_instant: '2026-06-01T10:01:00.000Z', last_run: expect.objectContaining({ status: 'waiting' }),
    })]);
  });

  it('fires the instant once more across a restart in the middle of the minute, and never twice', async () => {
    setClock('2026-06-01T10:01:30Z');
    await stopReplicas();
    setClock('2026-06-01T10:02:30Z'); // 10:02 passed while nothing ran: it is caught up
    await startReplicas();
    const rows = await waitForInstant('2026-06-01T10:02:00.000Z');
    expect(rows.map((r) => r.payload.scheduled_at)).toEqual(['2026-06-01T10:01:00.000Z', '2026-06-01T10:02:00.000Z']);
    setClock('2026-06-01T10:02:58Z');
    await waitForInstant('2026-06-01T10:03:00.000Z');
    // Both replicas looked at every instant; each instant has one event and one run.
    const perInstant = await db.sql<{ n: number }[]>`
      select count(*)::int as n from workflow_runs where trigger_event = 'schedule' group by event_payload->>'scheduled_at'`;
    expect(perInstant.map((r) => r.n)).toEqual([1, 1, 1]);
  });

  it('after downtime replays only the latest instant, counting the others', async () => {
    await stopReplicas();
    stopClock('2026-06-01T10:20:30Z'); // 10:04 … 10:20 missed: 10:20 fires, the 16 before it are counted
    await startReplicas();
    const rows = await waitForInstant('2026-06-01T10:20:00.000Z');
    expect(rows).toHaveLength(4);
    expect(rows[3]!.payload).toMatchObject({ scheduled_at: '2026-06-01T10:20:00.000Z', missed_instants: 16 });
  });

  it('follows a changed cron at once', async () => {
    stopClock('2026-06-01T10:20:40Z'); // before 10:21, the next instant of the old cron
    await pushWorkflows({ '.plue/workflows/tick.py': everyMinute('0 12 * * *') }, 'daily');
    expect((await schedulesJson()).schedules.map((s) => [s.cron, s.next[0]])).toEqual([['0 12 * * *', '2026-06-01T12:00:00.000Z']]);
    setClock('2026-06-01T11:59:58Z');
    const rows = await waitForInstant('2026-06-01T12:00:00.000Z');
    expect(rows).toHaveLength(5);
    expect(rows[4]!.payload).toMatchObject({ scheduled_at: '2026-06-01T12:00:00.000Z', cron: '0 12 * * *', missed_instants: 0 });
  });

  it('catches up a missed instant younger than PLUE_SCHEDULE_CATCH_UP (default 15 minutes), not an older one', async () => {
    await stopReplicas();
    setClock('2026-06-02T12:10:00Z');
    await startReplicas();
    expect(eventOf(await waitForInstant('2026-06-02T12:00:00.000Z'), '2026-06-02T12:00:00.000Z')!.payload).toMatchObject({ missed_instants: 0 });

    await stopReplicas();
    setClock('2026-06-03T12:20:00Z');
    await startReplicas();
    await waitFor(async () => {
      const [row] = await db.sql<{ checked_through: Date }[]>`select checked_through from workflow_schedules`;
      return row !== undefined && row.checked_through >= new Date('2026-06-03T12:20:00Z');
    }, 'the scheduler to look past the missed instant');
    expect(await scheduleEvents()).toHaveLength(6);
    expect((await schedulesJson()).schedules[0]).toMatchObject({ last_instant: '2026-06-02T12:00:00.000Z', next: ['2026-06-04T12:00:00.000Z', '2026-06-05T12:00:00.000Z', '2026-06-06T12:00:00.000Z'] });

    await stopReplicas();
    setClock('2026-06-04T12:20:00Z');
    await startReplicas({ PLUE_SCHEDULE_CATCH_UP: '30' });
    expect(await waitForInstant('2026-06-04T12:00:00.000Z')).toHaveLength(7);
  });

  it('stops when the workflow is deleted', async () => {
    await pushWorkflows({ '.plue/workflows/tick.py': null }, 'no more tick');
    expect((await schedulesJson()).schedules).toEqual([]);
    expect(await db.sql`select 1 from workflow_schedules`).toHaveLength(0);
  });
});

describe('time zones', () => {
  it('fires a Berlin 02:30 schedule at 03:00 local on the night the clocks go forward (the docs example)', async () => {
    stopClock('2026-03-29T00:30:00Z');
    await pushWorkflows({ '.plue/workflows/nightly.py': NIGHTLY_DOC }, 'nightly');
    expect((await schedulesJson()).schedules[0]).toMatchObject({ timezone: 'Europe/Berlin', next: ['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z', '2026-03-31T00:30:00.000Z'] });
    setClock('2026-03-29T00:59:58Z'); // 01:59:58 in Berlin; 02:00–03:00 does not exist tonight
    const rows = await waitForInstant('2026-03-29T01:00:00.000Z');
    expect(eventOf(rows, '2026-03-29T01:00:00.000Z')!.payload).toMatchObject({ cron: '30 2 * * *', timezone: 'Europe/Berlin' });
  });
});

describe('concurrency of scheduled runs', () => {
  it('holds a scheduled run back behind the group\'s run in progress', async () => {
    stopClock('2026-06-02T08:00:30Z');
    await pushWorkflows({ '.plue/workflows/nightly.py': null, '.plue/workflows/tick.py': everyMinute('* * * * *', ', concurrency="tick"') }, 'grouped');
    setClock('2026-06-02T08:00:58Z');
    await waitForInstant('2026-06-02T08:01:00.000Z');
    setClock('2026-06-02T08:01:58Z');
    const rows = await waitForInstant('2026-06-02T08:02:00.000Z');
    const ids = ['2026-06-02T08:01:00.000Z', '2026-06-02T08:02:00.000Z'].map((iso) => eventOf(rows, iso)!.id);
    const runs = await db.sql<{ status: number; concurrency_group: string }[]>`
      select r.status, r.concurrency_group from workflow_runs r where r.event_id in ${db.sql(ids)} order by r.id`;
    expect(runs).toEqual([{ status: 5, concurrency_group: 'tick' }, { status: 7, concurrency_group: 'tick' }]);
  });
});

void git;
