import { parseArgs } from 'node:util';
import { matchEvent } from '../core/match/index.js';
import type { TriggerEvent } from '../core/match/event.js';
import { isZeroSha, ZERO_SHA } from '../core/refs/diff.js';
import { EVENT_NAMES } from '../core/language/model.js';
import { oneOf } from './choices.js';
import type { CommandIO } from './io.js';
import { UsageError } from './usage.js';
import { collectWorkflowPaths, noWorkflowsMessage, parseWorkflowPaths } from './workflow-files.js';

const CONCLUSIONS = ['success', 'failure', 'cancelled', 'skipped'] as const;

const HELP = `usage: plue-trigger match --event KIND [options] [PATH...]

Shows which workflows an event would start, and why each other one would not.
  --event KIND       one of ${EVENT_NAMES.join('|')}

  --ref REF          push: refs/heads/NAME or refs/tags/NAME (a bare NAME means a branch);
                     manual: the ref to run at; workflow_run: the finished run's ref
  --before SHA       push: old commit (all zeros = ref created)
  --after SHA        push: new commit (all zeros = ref deleted)
  --forced           push: the update was not a fast-forward
  --changed FILE     changed file, repeatable (push, pull_request)
  --truncated        the changed-file list was cut short: path filters count as matched
  --action ACTION    pull_request / issue activity type (e.g. opened)
  --base-ref REF     pull_request: base branch
  --head-ref REF     pull_request: head branch
  --workflow NAME    manual: workflow name, function name or file path; workflow_run: the run's workflow name
  --type TYPE        workflow_run: one of completed|requested (default completed)
  --conclusion C     workflow_run, completed: one of ${CONCLUSIONS.join('|')} (default success)
  --cron CRON        schedule: only schedule triggers with this cron
  --timezone ZONE    schedule, with --cron: and this time zone (default UTC)
  --json             print {"matched": [...], "skipped": [...]}`;

const OPTIONS = {
  event: { type: 'string' },
  ref: { type: 'string' },
  before: { type: 'string' },
  after: { type: 'string' },
  forced: { type: 'boolean', default: false },
  changed: { type: 'string', multiple: true, default: [] as string[] },
  truncated: { type: 'boolean', default: false },
  action: { type: 'string' },
  'base-ref': { type: 'string' },
  'head-ref': { type: 'string' },
  workflow: { type: 'string' },
  cron: { type: 'string' },
  timezone: { type: 'string' },
  type: { type: 'string' },
  conclusion: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type MatchOptions = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function required(value: string | undefined, flag: string, kind: string): string {
  if (value === undefined || value === '') throw new UsageError(`--event ${kind} needs --${flag}`);
  return value;
}

function fullRef(ref: string): string {
  return ref.startsWith('refs/') ? ref : `refs/heads/${ref}`;
}

export function eventFromOptions(o: MatchOptions): TriggerEvent {
  const kind = oneOf(o.event, EVENT_NAMES, '--event');
  const changed = { changed_files: o.changed ?? [], changed_files_truncated: o.truncated ?? false };
  switch (kind) {
    case 'push': {
      const before = o.before ?? ZERO_SHA;
      const after = o.after ?? 'f'.repeat(40);
      return {
        kind, ref: fullRef(required(o.ref, 'ref', kind)), before, after,
        created: isZeroSha(before), deleted: isZeroSha(after), forced: o.forced ?? false, ...changed,
      };
    }
    case 'pull_request':
      return {
        kind, action: o.action ?? 'opened', base_ref: required(o['base-ref'], 'base-ref', kind),
        head_ref: o['head-ref'] ?? '', ...changed,
      };
    case 'issue':
      return { kind, action: required(o.action, 'action', kind) };
    case 'chat':
    case 'dispatch':
      return { kind };
    case 'manual':
      return { kind, workflow: required(o.workflow, 'workflow', kind), ref: fullRef(o.ref ?? 'main'), inputs: {} };
    case 'schedule':
      if (o.cron === undefined) {
        if (o.timezone !== undefined) throw new UsageError('--timezone needs --cron');
        return { kind };
      }
      return o.timezone === undefined ? { kind, cron: o.cron } : { kind, cron: o.cron, timezone: o.timezone };
    case 'workflow_run': {
      const type = oneOf(o.type, ['completed', 'requested'] as const, '--type') ?? 'completed';
      const ref = fullRef(o.ref ?? 'main');
      return {
        kind, workflow: required(o.workflow, 'workflow', kind), type,
        conclusion: type === 'completed' ? oneOf(o.conclusion, CONCLUSIONS, '--conclusion') ?? 'success' : null,
        branch: ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null,
      };
    }
    case undefined:
      throw new UsageError(`--event is required: ${EVENT_NAMES.join(', ')}`);
  }
}

export async function runMatch(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const event = eventFromOptions(values);
  const paths = await collectWorkflowPaths(positionals, io.cwd);
  if (paths === null) {
    io.err(`plue-trigger match: ${noWorkflowsMessage(io.cwd)}`);
    return 1;
  }
  const files = await parseWorkflowPaths(paths, io.cwd);
  const result = matchEvent(event, files);
  if (values.json) {
    io.out(JSON.stringify(result, null, 2));
  } else {
    for (const m of result.matched) io.out(`matched  ${m.path}  ${m.name}`);
    for (const s of result.skipped) io.out(`skipped  ${s.path}  ${s.name}: ${s.reason}`);
  }
  return 0;
}
