import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { JsonClient } from '../http-client/json-client.js';
import { CLIENT_HELP, CLIENT_OPTIONS, clientFrom, positiveInteger, repoPath, reportingApiErrors } from './api-client.js';
import type { CommandIO } from './io.js';
import { RUN_ID_HELP, runPathOf } from './run-ref.js';
import { noRunnerReason } from './runs.js';
import { UsageError } from './usage.js';

const HELP = `usage: plue-trigger logs OWNER/REPO RUN [--id] [--attempt N] [--follow] [--json]

Prints a run's logs: each job's latest attempt, or attempt N. RUN is the run's number (#N).
  --follow        keep printing new lines until the run ends; exit 0 when it succeeded, 1 otherwise
  --attempt N     this attempt of each job
${RUN_ID_HELP}
${CLIENT_HELP}`;

const OPTIONS = { ...CLIENT_OPTIONS, attempt: { type: 'string' }, follow: { type: 'boolean', short: 'f', default: false }, id: { type: 'boolean', default: false } } as const;

/** How often --follow asks for new lines. */
const FOLLOW_POLL_MS = 1000;
const FINISHED = ['success', 'failure', 'cancelled', 'skipped'];

interface TaskLog {
  task_id: number;
  job_name: string;
  attempt: number;
  status: string;
  truncated: boolean;
  log_lines: number;
  next_offset: number | null;
  lines: Array<{ line: number; step: string; content: string }>;
}
type LogsReply = { run_id: number; tasks: TaskLog[] };
interface FollowedRun {
  status: string;
  status_reason: string | null;
  run_number: number;
  jobs: Array<{ runs_on: string[]; fitting_runners?: number | null; tasks: Array<{ id: number; attempt: number }> }>;
}

export async function runLogs(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError('logs takes OWNER/REPO RUN (a run number; the id with --id)');
  repoPath(positionals[0]);
  positiveInteger(positionals[1]?.replace(/^#/, ''), 'RUN');
  const attempt = values.attempt === undefined ? undefined : positiveInteger(values.attempt, '--attempt');
  if (values.follow && values.json) throw new UsageError('--follow prints lines as they come; it does not take --json');
  const client = clientFrom(values, io.env);
  return reportingApiErrors(io, client, async () => {
    const runPath = await runPathOf(client, positionals[0], positionals[1], values.id);
    const url = (offset: number) => `${runPath}/logs?offset=${offset}${attempt === undefined ? '' : `&attempt=${attempt}`}`;
    if (values.follow) return follow(io, client, runPath, url, attempt);
    const first = await client.get<LogsReply>(url(0));
    // Each task's later pages; a run has few jobs, so one task at a time is fine.
    for (const task of first.tasks) {
      while (task.next_offset !== null) {
        const page = (await client.get<{ tasks: TaskLog[] }>(url(task.next_offset))).tasks.find((t) => t.task_id === task.task_id);
        if (!page || page.lines.length === 0) break;
        task.lines.push(...page.lines);
        task.next_offset = page.next_offset;
      }
    }
    if (values.json) {
      io.out(JSON.stringify(first, null, 2));
      return 0;
    }
    for (const task of first.tasks) {
      if (first.tasks.length > 1) io.out(`== ${task.job_name} (attempt ${task.attempt}, ${task.status}) ==`);
      for (const line of task.lines) io.out(line.content);
      if (task.truncated) io.err(`(the log of ${task.job_name} was truncated by the server)`);
    }
    if (first.tasks.length === 0) io.err('no logs: the run has no task yet');
    return 0;
  });
}

/**
 * Prints each line once, as it arrives, until the run has ended and its last lines are printed. Each poll reads the
 * run's status, then the lines past what was printed (one request: the smallest offset any task needs).
 */
async function follow(io: CommandIO, client: JsonClient, runPath: string, url: (offset: number) => string, attempt: number | undefined): Promise<number> {
  const printed = new Map<number, number>();
  let lastTask: number | null = null;
  let lastState = '';
  let shownHeader = false;
  for (;;) {
    const run = await client.get<FollowedRun>(runPath);
    const ended = FINISHED.includes(run.status);
    // What the run waits for, on standard error, each time it changes: the lines on standard output stay the log.
    const state = run.status === 'waiting' && run.jobs.some((j) => j.fitting_runners === 0)
      ? noRunnerReason(run.jobs.find((j) => j.fitting_runners === 0)!.runs_on)
      : run.status_reason ?? run.status;
    if (!ended && state !== lastState) io.err(`run #${run.run_number}: ${state}`);
    lastState = state;
    // The logs are read after the status: once the run has ended, its tasks have sent every line they will.
    // A task not seen yet (a new attempt) is read from its first line; else from the earliest line not printed.
    const shown = run.jobs.map((j) => (attempt === undefined ? j.tasks.at(-1) : j.tasks.filter((t) => t.attempt === attempt).at(-1)));
    let offset = Math.min(0x7fffffff, ...shown.map((t) => (t === undefined ? 0x7fffffff : printed.get(t.id) ?? 0)));
    for (;;) {
      const reply = await client.get<LogsReply>(url(offset));
      let more = false;
      for (const task of reply.tasks) {
        const from = printed.get(task.task_id) ?? 0;
        const fresh = task.lines.filter((l) => l.line >= from);
        if (fresh.length === 0) {
          printed.set(task.task_id, from);
          continue;
        }
        if (lastTask !== task.task_id && (reply.tasks.length > 1 || shownHeader || task.attempt > 1)) {
          io.out(`== ${task.job_name} (attempt ${task.attempt}) ==`);
          shownHeader = true;
        }
        lastTask = task.task_id;
        for (const line of fresh) io.out(line.content);
        printed.set(task.task_id, fresh.at(-1)!.line + 1);
        if (task.next_offset !== null) more = true;
      }
      if (!more) break;
      offset = Math.min(...reply.tasks.map((t) => printed.get(t.task_id) ?? 0));
    }
    if (ended) {
      io.err(`run #${run.run_number}: ${run.status}`);
      return run.status === 'success' ? 0 : 1;
    }
    await sleep(FOLLOW_POLL_MS);
  }
}
