import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS } from '../../server/adapters/db/status.js';
import { RunnerClient } from '../../server/runner/client.js';
import { useTestDatabase } from '../support/db.js';
import { REGISTRATION_TOKEN, ensureRepository, seedTasks, startRunnerServer } from './support.js';
import type { RunnerServer } from './support.js';

const RUNNERS = 16;
const TASKS = 1000; // every claim races the 15 other runners; more tasks prove nothing more, and cost seconds of CPU

const db = useTestDatabase({ max: 20 });
let server: RunnerServer;

beforeAll(async () => {
  server = await startRunnerServer(db.sql, { pollMs: 0 });
});
afterAll(async () => {
  await server?.close();
});

describe(`${RUNNERS} runners claiming ${TASKS} tasks at once`, () => {
  it('hands each task to exactly one runner and loses none', async () => {
    const repo = await ensureRepository(db.sql);
    const ids = await seedTasks(db.sql, repo, TASKS);
    const runners = await Promise.all(Array.from({ length: RUNNERS }, async (_, i) => {
      const { runner, token } = await RunnerClient.register(server.url, REGISTRATION_TOKEN, { name: `runner-${i}`, labels: [] });
      return { id: runner.id, client: new RunnerClient(server.url, token) };
    }));

    const claims: Array<{ task: number; runner: number }> = [];
    await Promise.all(runners.map(async ({ id, client }) => {
      // A short wait: when it ends empty-handed nothing is left (no task is ever given back here).
      for (let task = await client.claim(1); task; task = await client.claim(1)) {
        claims.push({ task: task.id, runner: id });
        await client.finish(task, 'success');
      }
    }));

    const claimed = claims.map((c) => c.task).sort((x, y) => x - y);
    expect(claimed).toHaveLength(TASKS);
    expect(new Set(claimed).size).toBe(TASKS);
    expect(claimed).toEqual([...ids].sort((x, y) => x - y));
    expect(new Set(claims.map((c) => c.runner)).size).toBeGreaterThan(1);

    const rows = await db.sql<{ id: number; runner_id: number; status: number; attempt: number }[]>`
      select id, runner_id, status, attempt from workflow_tasks where id in ${db.sql(ids)}`;
    const holder = new Map(claims.map((c) => [c.task, c.runner]));
    expect(rows.filter((r) => r.status !== STATUS.success || r.attempt !== 1 || r.runner_id !== holder.get(r.id))).toEqual([]);
    const [runs] = await db.sql<{ success: number; all: number }[]>`
      select count(*) filter (where status = ${STATUS.success})::int as success, count(*)::int as all from workflow_runs`;
    expect(runs).toEqual({ success: TASKS, all: TASKS });
  }, 60_000); // thousands of HTTP requests: slow when the whole suite shares two cores with other work
});
