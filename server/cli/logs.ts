import { parseArgs } from 'node:util';
import { CLIENT_HELP, CLIENT_OPTIONS, clientFrom, positiveInteger, repoPath, reportingApiErrors } from './api-client.js';
import type { CommandIO } from './io.js';
import { UsageError } from './usage.js';

const HELP = `usage: plue-trigger logs OWNER/REPO RUN_ID [--attempt N] [--json]

Prints a run's logs: each job's latest attempt, or attempt N.
${CLIENT_HELP}`;

const OPTIONS = { ...CLIENT_OPTIONS, attempt: { type: 'string' } } as const;

interface TaskLog {
  task_id: number;
  job_name: string;
  attempt: number;
  status: string;
  truncated: boolean;
  next_offset: number | null;
  lines: Array<{ line: number; step: string; content: string }>;
}

export async function runLogs(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError('logs takes OWNER/REPO RUN_ID');
  const path = `${repoPath(positionals[0])}/runs/${positiveInteger(positionals[1], 'RUN_ID')}/logs`;
  const attempt = values.attempt === undefined ? undefined : positiveInteger(values.attempt, '--attempt');
  const client = clientFrom(values, io.env);
  return reportingApiErrors(io, client.server, async () => {
    const url = (offset: number) => `${path}?offset=${offset}${attempt === undefined ? '' : `&attempt=${attempt}`}`;
    const first = await client.get<{ run_id: number; tasks: TaskLog[] }>(url(0));
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
