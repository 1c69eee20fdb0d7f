import { parseArgs } from 'node:util';
import { STATUS } from '../adapters/db/status.js';
import { EVENT_NAMES } from '../core/language/model.js';
import { CLIENT_HELP, CLIENT_OPTIONS, clientFrom, positiveInteger, repoPath, reportingApiErrors, table } from './api-client.js';
import { oneOf, subcommand } from './choices.js';
import type { CommandIO } from './io.js';
import { RUN_ID_HELP, runPathOf } from './run-ref.js';
import { UsageError } from './usage.js';

const STATUSES = Object.keys(STATUS);

const HELP = `usage: plue-trigger runs list OWNER/REPO [--workflow W] [--event E] [--status S] [--branch B] [--sha S]
                                   [--page N] [--per-page N] [--json]
       plue-trigger runs show OWNER/REPO RUN [--id] [--json]
       plue-trigger runs cancel OWNER/REPO RUN [--id] [--json]
       plue-trigger runs rerun OWNER/REPO RUN [--id] [--json]

Lists runs (newest first), shows one with its jobs and attempts, cancels one, or runs a finished one again.
RUN is the run's number, the #N that lists and pages show.
  --event E       one of ${EVENT_NAMES.join('|')}
  --status S      one of ${STATUSES.join('|')}
${RUN_ID_HELP}
${CLIENT_HELP}`;

const OPTIONS = {
  ...CLIENT_OPTIONS,
  id: { type: 'boolean', default: false },
  workflow: { type: 'string' },
  event: { type: 'string' },
  status: { type: 'string' },
  branch: { type: 'string' },
  sha: { type: 'string' },
  page: { type: 'string' },
  'per-page': { type: 'string' },
} as const;

interface Timed { status: string; started_at: string | null; stopped_at: string | null; duration_ms: number | null }
interface Run extends Timed {
  id: number;
  run_number: number;
  run_attempt: number;
  rerun_of: number | null;
  workflow: { name: string; path: string };
  event: string;
  ref: string;
  commit_sha: string;
  title: string;
  cancel_requested: boolean;
  status_reason: string | null;
  concurrency: { group: string; cancel_in_progress: boolean; queue: string } | null;
  created_at: string;
}
interface RunDetail extends Run {
  inputs: Record<string, unknown>;
  parent_run_id: number | null;
  depth: number;
  children: Array<{ id: number; run_number: number; workflow: string; status: string }>;
  jobs: Array<Timed & { id: number; name: string; attempt: number; runs_on: string[]; fitting_runners?: number | null; tasks: Array<Timed & { id: number; attempt: number; runner: { name: string | null } | null; end_reason: string | null }> }>;
}

const seconds = (t: Timed) => (t.duration_ms === null ? '' : ` in ${(t.duration_ms / 1000).toFixed(1)} s`);
const shortRef = (ref: string) => ref.replace(/^refs\/(heads|tags)\//, '');

function printRun(io: CommandIO, run: RunDetail): void {
  io.out(`run ${run.id} (#${run.run_number}${run.run_attempt > 1 ? `, attempt ${run.run_attempt} of run ${run.rerun_of}` : ''}): ${run.status}${seconds(run)}`);
  io.out(`  ${run.title}`);
  io.out(`  workflow: ${run.workflow.name} (${run.workflow.path})`);
  io.out(`  event:    ${run.event} at ${shortRef(run.ref)} ${run.commit_sha.slice(0, 12)}`);
  if (Object.keys(run.inputs).length > 0) io.out(`  inputs:   ${JSON.stringify(run.inputs)}`);
  if (run.parent_run_id !== null) io.out(`  parent:   run ${run.parent_run_id} (depth ${run.depth})`);
  for (const child of run.children) io.out(`  started:  run ${child.id} (#${child.run_number}) ${child.workflow}: ${child.status}`);
  if (run.concurrency !== null) {
    const how = [run.concurrency.cancel_in_progress ? 'cancel_in_progress' : '', run.concurrency.queue === 'max' ? 'queue max' : ''].filter(Boolean);
    io.out(`  group:    ${run.concurrency.group}${how.length > 0 ? ` (${how.join(', ')})` : ''}`);
  }
  if (run.status_reason !== null) io.out(`  why:      ${run.status_reason}`);
  else if (run.cancel_requested) io.out('  cancel requested');
  for (const job of run.jobs) {
    io.out(`  job ${job.id} ${job.name}: ${job.status}${seconds(job)}`);
    if (job.fitting_runners === 0) io.out(`    ${noRunnerReason(job.runs_on)}`);
    for (const task of job.tasks) {
      const by = task.runner?.name ? ` on ${task.runner.name}` : '';
      io.out(`    attempt ${task.attempt} (task ${task.id}): ${task.status}${by}${seconds(task)}${task.end_reason && task.end_reason !== 'runner' ? ` (${task.end_reason})` : ''}`);
    }
  }
}

/** Why a waiting job is not picked up: no connected runner carries its labels. */
export function noRunnerReason(runsOn: readonly string[]): string {
  return runsOn.length === 0
    ? 'waiting: no runner is connected (plue-trigger runners list)'
    : `waiting: no runner with labels [${runsOn.join(', ')}] is connected (plue-trigger runners list)`;
}

export async function runRuns(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  const [sub, repo, id] = positionals;
  if (values.help || sub === undefined) {
    io.out(HELP);
    return values.help ? 0 : 2;
  }
  subcommand('runs', sub, ['list', 'show', 'cancel', 'rerun']);
  oneOf(values.status, STATUSES, '--status');
  oneOf(values.event, EVENT_NAMES, '--event');
  const client = clientFrom(values, io.env);
  const print = (reply: unknown, text: () => void) => (values.json ? io.out(JSON.stringify(reply, null, 2)) : text());
  if (sub === 'list') {
    if (positionals.length !== 2) throw new UsageError('runs list takes OWNER/REPO');
    const base = repoPath(repo);
    const query = new URLSearchParams();
    for (const key of ['workflow', 'event', 'status', 'branch', 'sha'] as const) if (values[key] !== undefined) query.set(key, values[key]);
    if (values.page !== undefined) query.set('page', String(positiveInteger(values.page, '--page')));
    if (values['per-page'] !== undefined) query.set('per_page', String(positiveInteger(values['per-page'], '--per-page')));
    return reportingApiErrors(io, client, async () => {
      const reply = await client.get<{ total_count: number; runs: Run[] }>(`${base}/runs${query.size > 0 ? `?${query}` : ''}`);
      print(reply, () => {
        const rows = reply.runs.map((r) => [String(r.id), `#${r.run_number}`, r.status, r.workflow.name, r.event, shortRef(r.ref), r.commit_sha.slice(0, 7), r.created_at]);
        for (const line of table(['ID', 'NUMBER', 'STATUS', 'WORKFLOW', 'EVENT', 'REF', 'SHA', 'CREATED'], rows)) io.out(line);
        io.err(`${reply.runs.length} of ${reply.total_count} run(s)`);
      });
      return 0;
    });
  }
  if (positionals.length !== 3) throw new UsageError(`runs ${sub} takes OWNER/REPO RUN (a run number; the id with --id)`);
  repoPath(repo);
  positiveInteger(id?.replace(/^#/, ''), 'RUN');
  return reportingApiErrors(io, client, async () => {
    const path = await runPathOf(client, repo, id, values.id);
    if (sub === 'show') {
      const run = await client.get<RunDetail>(path);
      print(run, () => printRun(io, run));
    } else if (sub === 'cancel') {
      const run = await client.post<Run>(`${path}/cancel`);
      print(run, () => io.out(run.status === 'cancelled'
        ? `run ${run.id} (#${run.run_number}) cancelled`
        : `run ${run.id} (#${run.run_number}) is ${run.status}; its runner is being told to stop it`));
    } else {
      const made = await client.post<{ run_id: number; run_number: number; run_attempt: number; rerun_of: number; status: string }>(`${path}/rerun`);
      const state = made.status === 'waiting' ? 'queued' : made.status === 'blocked' ? 'waiting for its concurrency group' : made.status;
      print(made, () => io.out(`run ${made.run_id} (#${made.run_number}) ${state}: attempt ${made.run_attempt}, re-running run ${made.rerun_of}`));
    }
    return 0;
  });
}
