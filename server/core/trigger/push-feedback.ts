import { diagnosticLine } from '../language/diagnostics.js';
import { eventPath, runPath } from '../dashboard/page-paths.js';
import type { RepositoryName } from '../dashboard/page-paths.js';

// What the pusher reads on `remote:` lines after a push: for each pushed ref, the runs its event started (with
// their pages), the errors of the workflow files it read, or, when the trigger has not decided within the hook's
// bound, where to look later. Pure: the door gathers the events, this turns them into lines.

export interface PushedRefEvent {
  ref: string;
  event_id: number;
  status: 'pending' | 'processed' | 'failed';
  runs: ReadonlyArray<{ run_id: number; run_number: number; name: string }>;
  diagnostics: ReadonlyArray<{ path: string; line: number; column: number; severity: string; code: string; message: string }>;
  skipped: number;
  /** The last attempt's error (a failed event, or a pending one waiting for its retry). */
  error: string | null;
}

export interface FeedbackContext {
  repository: RepositoryName;
  /** The service's address, for the pages' URLs. */
  baseUrl: string;
  /** How long the door waited, for the line of an event still pending. */
  waitedMs: number;
}

const PREFIX = 'plue-trigger:';

/** `refs/heads/main` → `main`, `refs/tags/v1` → `v1 (tag)`: how the push feedback and the dashboard's pages say a ref. */
export function refInWords(ref: string): string {
  if (ref.startsWith('refs/heads/')) return ref.slice('refs/heads/'.length);
  if (ref.startsWith('refs/tags/')) return `${ref.slice('refs/tags/'.length)} (tag)`;
  return ref;
}

export function pushFeedbackLines(events: readonly PushedRefEvent[], context: FeedbackContext): string[] {
  const base = context.baseUrl.replace(/\/+$/, '');
  const { owner, name } = context.repository;
  const show = (id: number) => `plue-trigger events show ${owner}/${name} ${id} (${base}${eventPath(context.repository, id)})`;
  const lines: string[] = [];
  // Two refs pushed at one commit read the same files: their errors are shown once.
  const shown = new Set<string>();
  for (const event of events) {
    const where = `${PREFIX} ${refInWords(event.ref)}:`;
    if (event.status === 'pending') {
      const retry = event.error === null ? '' : ` (an attempt failed and will be retried: ${event.error})`;
      lines.push(`${where} not decided within ${seconds(context.waitedMs)}${retry}; see ${show(event.event_id)}`);
      continue;
    }
    if (event.status === 'failed') {
      lines.push(`${where} could not be triggered: ${event.error ?? 'unknown error'}; see ${show(event.event_id)}`);
      continue;
    }
    const errors = event.diagnostics.map((d) => diagnosticLine(d.path, d)).filter((line) => !shown.has(line));
    for (const line of errors) shown.add(line);
    const files = new Set(event.diagnostics.map((d) => d.path)).size;
    const parts = [
      event.runs.length === 0 ? 'no workflow started' : `${event.runs.length} run${event.runs.length === 1 ? '' : 's'} started`,
      ...(files > 0 ? [`${files} workflow file${files === 1 ? '' : 's'} with errors`] : []),
    ];
    lines.push(`${where} ${parts.join(', ')}${event.runs.length === 0 && event.skipped > 0 ? `; why: ${show(event.event_id)}` : ''}`);
    for (const run of event.runs) lines.push(`  #${run.run_number} ${run.name}: ${base}${runPath(context.repository, run.run_id)}`);
    for (const line of errors) lines.push(`  ${line}`);
  }
  return lines.map(printable);
}

/**
 * Error messages quote the pushed files, which anyone with push access writes: control characters (a terminal's
 * escape sequences, a newline that would fake a line of ours) are shown as `\xNN`, never sent to a terminal.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f-\x9f]/g;
function printable(line: string): string {
  return line.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
