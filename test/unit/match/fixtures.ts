// Hand-built plain data for matcher tests (independent of the parser).

import type { Diagnostic, ParsedFile, Trigger, Workflow } from '../../../server/core/language/model.js';
import type {
  MatchResult,
  PullRequestEvent,
  PushEvent,
  TriggerEvent,
} from '../../../server/core/match/event.js';
import { matchEvent } from '../../../server/core/match/match.js';

export function workflow(name: string, triggers: Trigger[], fn = 'run'): Workflow {
  return {
    name, function: fn, line: 1, agent: false, runs_on: [], concurrency: null, cancel_in_progress: false, concurrency_queue: 'single', triggers,
  };
}

export function file(path: string, workflows: Workflow[], diagnostics: Diagnostic[] = []): ParsedFile {
  return { path, workflows, diagnostics };
}

export function error(code = 'syntax-error'): Diagnostic {
  return { severity: 'error', code, message: 'broken', line: 1, column: 1 };
}

export function warning(code = 'unused'): Diagnostic {
  return { severity: 'warning', code, message: 'hmm', line: 1, column: 1 };
}

export function push(ref: string, changedFiles: string[] = ['src/app.py'], extra: Partial<PushEvent> = {}): PushEvent {
  return {
    kind: 'push', ref, before: 'a'.repeat(40), after: 'b'.repeat(40),
    created: false, deleted: false, forced: false, changed_files: changedFiles, ...extra,
  };
}

export function pullRequest(
  action: string,
  baseRef: string,
  changedFiles: string[] = ['src/app.py'],
  extra: Partial<PullRequestEvent> = {},
): PullRequestEvent {
  return { kind: 'pull_request', action, base_ref: baseRef, head_ref: 'feature/x', changed_files: changedFiles, ...extra };
}

/** Matches `event` against one workflow with `triggers`; returns null when it runs, else the skip reason. */
export function reasonFor(triggers: Trigger[], event: TriggerEvent): string | null {
  const result: MatchResult = matchEvent(event, [file('.plue/workflows/w.py', [workflow('W', triggers)])]);
  if (result.matched.length === 1) return null;
  const skipped = result.skipped[0];
  if (skipped === undefined) throw new Error('workflow neither matched nor skipped');
  return skipped.reason;
}
