// Helpers for the runner protocol tests (and bench/claim.ts): a runner server on a real socket, and tasks to claim.
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import pino from 'pino';
import type { Sql } from '../../server/adapters/db/connect.js';
import { upsertRepository } from '../../server/adapters/db/repositories.js';
import { createRun, notifyTasksWaiting } from '../../server/adapters/db/runs.js';
import { pipelinedTransaction } from '../../server/adapters/db/pipelined-transaction.js';
import type { CreatedRun, NewRun } from '../../server/adapters/db/runs.js';
import { readTaskLog } from '../../server/adapters/db/logs.js';
import { STATUS } from '../../server/adapters/db/status.js';
import { installErrorHandler } from '../../server/http/errors.js';
import { registerTaskWaitRoutes } from '../../server/http/routes/task-waits.js';
import { registerExternalTaskRoutes } from '../../server/http/routes/external-tasks.js';
import { registerRunnerRoutes } from '../../server/http/routes/runners.js';
import { startRunnerServices } from '../../server/services/runners/runner-services.js';
import type { RunnerServiceOptions, RunnerServices } from '../../server/services/runners/runner-services.js';
import { RunnerClient } from '../../server/runner/client.js';
import { waitFor } from '../support/service.js';

export const REGISTRATION_TOKEN = 'test-registration-token';
export const SHA = 'c0ffee'.padEnd(40, '0');

export interface RunnerServer {
  app: FastifyInstance;
  url: string;
  runners: RunnerServices;
  close(): Promise<void>;
}

export interface RunnerServerOptions extends RunnerServiceOptions {
  leaseSeconds?: number;
  maxAttempts?: number;
}

/** The runner endpoints of one server process, listening on a free port. */
export async function startRunnerServer(sql: Sql, options: RunnerServerOptions = {}): Promise<RunnerServer> {
  const log = pino({ level: process.env.PLUE_TEST_LOG ?? 'silent' });
  const { leaseSeconds = 60, maxAttempts = 3, ...serviceOptions } = options;
  const runners = await startRunnerServices(sql, log, { registrationToken: REGISTRATION_TOKEN, leaseSeconds, maxAttempts }, serviceOptions);
  const app: FastifyInstance = Fastify({ loggerInstance: log as FastifyBaseLogger, bodyLimit: 1024 * 1024 });
  installErrorHandler(app);
  registerRunnerRoutes(app, runners);
  registerExternalTaskRoutes(app, runners);
  registerTaskWaitRoutes(app, runners);
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app, url, runners,
    close: async () => {
      await app.close();
      await runners.stop();
    },
  };
}

export async function registerRunner(url: string, name: string, labels: string[] = []): Promise<RunnerClient> {
  const { token } = await RunnerClient.register(url, REGISTRATION_TOKEN, { name, labels, version: 'test' });
  return new RunnerClient(url, token);
}

export async function ensureRepository(sql: Sql, owner = 'acme', name = 'app', path = `/srv/git/${owner}/${name}.git`): Promise<number> {
  const { row } = await upsertRepository(sql, { owner, name, path, default_branch: 'main' });
  return row.id;
}

const WORKFLOW = `from plue import workflow, push

@workflow(name="CI", on=push())
async def ci(ctx):
    pass
`;

export function newRun(repositoryId: number, overrides: Partial<NewRun> = {}): NewRun {
  return {
    repository_id: repositoryId, event_id: null, workflow_definition_id: null, workflow_name: 'CI',
    workflow_path: '.plue/workflows/ci.py', function_name: 'ci', workflow_content: WORKFLOW, title: 'CI',
    trigger_event: 'push', trigger_user_id: null, event_payload: { ref: 'refs/heads/main' }, ref: 'refs/heads/main',
    commit_sha: SHA, runs_on: [], concurrency_group: null, concurrency_cancel: false, concurrency_queue: 'single', ...overrides,
  };
}

/**
 * One run as the trigger makes it: run, job, waiting task, commit status and the runners' wake-up, in one statement
 * (`createRuns`) of a transaction whose BEGIN and COMMIT go with it: one round trip.
 */
export async function queueRun(sql: Sql, repositoryId: number, overrides: Partial<NewRun> = {}): Promise<CreatedRun> {
  return pipelinedTransaction(sql, async (tx, commitWith) => (await Promise.all([createRun(tx, newRun(repositoryId, overrides)), commitWith()]))[0]);
}

/** `count` runs with one waiting task each, in a few statements; returns the task ids. Notifies once. */
export async function seedTasks(sql: Sql, repositoryId: number, count: number, runsOn: string[] = []): Promise<number[]> {
  return sql.begin(async (tx) => {
    const [counter] = await tx<{ first: number }[]>`
      update repository_counters set next_run_number = next_run_number + ${count}
      where repository_id = ${repositoryId} returning next_run_number - ${count} as first`;
    const rows = await tx<{ id: number }[]>`
      with runs as (
        insert into workflow_runs (repository_id, run_number, trigger_event, ref, commit_sha, status, workflow_path, workflow_name, function_name)
        select ${repositoryId}, ${counter!.first} + g - 1, 'push', 'refs/heads/main', ${SHA}, ${STATUS.waiting},
          '.plue/workflows/ci.py', 'CI', 'ci'
        from generate_series(1, ${count}) g
        returning id
      ), jobs as (
        insert into workflow_jobs (run_id, repository_id, name, job_id, runs_on, status)
        select id, ${repositoryId}, 'CI', 'ci', ${tx.json(runsOn)}::jsonb, ${STATUS.waiting} from runs
        returning id
      )
      insert into workflow_tasks (job_id, repository_id, status, commit_sha, workflow_content, workflow_path, function_name)
      select id, ${repositoryId}, ${STATUS.waiting}, ${SHA}, ${WORKFLOW}, '.plue/workflows/ci.py', 'ci' from jobs
      returning id`;
    await notifyTasksWaiting(tx, repositoryId);
    return rows.map((r) => r.id);
  });
}

/** Fresh planner statistics after a bulk seed, as autovacuum would leave them after such a burst. */
export async function analyzeTasks(sql: Sql): Promise<void> {
  await sql`analyze workflow_tasks, workflow_jobs`;
}

export interface TaskState {
  id: number;
  job_id: number;
  attempt: number;
  status: number;
  runner_id: number | null;
  end_reason: string | null;
}

export async function tasksOfJob(sql: Sql, jobId: number): Promise<TaskState[]> {
  return sql<TaskState[]>`
    select id, job_id, attempt, status, runner_id, end_reason from workflow_tasks where job_id = ${jobId} order by attempt, id`;
}

export async function statusOf(sql: Sql, table: 'workflow_runs' | 'workflow_jobs' | 'workflow_tasks', id: number): Promise<number> {
  const [row] = await sql<{ status: number }[]>`select status from ${sql(table)} where id = ${id}`;
  return row!.status;
}

/** Makes the task's lease run out now, as if its runner had gone silent for the whole lease. */
export async function expireLease(sql: Sql, taskId: number): Promise<void> {
  await sql`update workflow_tasks set lease_expires_at = now() - interval '1 second' where id = ${taskId}`;
}

/** Running: a process killed after its parent exited stays a zombie until pid 1 reaps it, which may take a while. */
export function processRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** Waits until the run has finished; its final status (success, failure or cancelled). */
export async function finishedRun(sql: Sql, runId: number): Promise<number> {
  return waitFor(async () => {
    const [row] = await sql<{ status: number }[]>`select status from workflow_runs where id = ${runId}`;
    return row && [STATUS.success, STATUS.failure, STATUS.cancelled].includes(row.status as 1) ? row.status : null;
  }, `run ${runId} to finish`);
}

/** The log lines of the run's latest task. */
export async function latestTaskLog(sql: Sql, runId: number): Promise<string[]> {
  const [task] = await sql<{ id: number }[]>`
    select t.id from workflow_tasks t join workflow_jobs j on j.id = t.job_id where j.run_id = ${runId} order by t.id desc limit 1`;
  return (await readTaskLog(sql, task!.id)).map((l) => l.content);
}
