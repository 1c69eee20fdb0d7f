import type { Sql } from '../../adapters/db/connect.js';
import { pushEventsFor } from '../../adapters/db/events.js';
import type { EventOutcomeRow } from '../../adapters/db/events.js';
import { isFollowedRef, isZeroSha } from '../../core/refs/diff.js';
import type { RefUpdate } from '../../core/refs/diff.js';
import { pushFeedbackLines } from '../../core/trigger/push-feedback.js';
import type { PushedRefEvent } from '../../core/trigger/push-feedback.js';
import { waitForEvents } from '../api/host-events.js';

// The trigger's decision on a push, for the post-receive hook to show the pusher: the events that recorded the
// hook's ref updates (whichever door recorded them), waited for up to the bound, as `remote:` lines.

/** A push of thousands of tags gets the decision on its first refs, and a pointer to the rest. */
const MAX_REFS_SHOWN = 20;
/** A pusher waits for the answer: poll often (a query on an index every 20 ms, for at most the bound). */
const POLL_MS = 20;

export interface PushFeedbackOptions {
  /** PLUE_HOOK_FEEDBACK_MS: the longest wait for the decision; 0, no wait and no lines. */
  waitMs: number;
  baseUrl: string;
}

export async function pushFeedback(
  sql: Sql,
  repo: { id: number; owner: string; name: string },
  updates: readonly RefUpdate[],
  options: PushFeedbackOptions,
): Promise<string[]> {
  if (options.waitMs === 0) return [];
  // A deletion starts nothing: there is nothing to say about it.
  const pushed = updates.filter((u) => isFollowedRef(u.ref) && !isZeroSha(u.after));
  const found = await pushEventsFor(sql, repo.id, pushed.slice(0, MAX_REFS_SHOWN));
  if (found.length === 0) return [];
  const rows = new Map((await waitForEvents(sql, repo.id, found.map((f) => f.event_id), options.waitMs, POLL_MS)).map((row) => [row.id, row]));
  const byRef = new Map(found.map((f) => [f.ref, f.event_id]));
  const events = pushed.flatMap((u) => {
    const row = rows.get(byRef.get(u.ref) ?? -1);
    return row === undefined ? [] : [pushedRefEvent(u.ref, row)];
  });
  const lines = pushFeedbackLines(events, { repository: repo, baseUrl: options.baseUrl, waitedMs: options.waitMs });
  if (pushed.length > MAX_REFS_SHOWN) {
    lines.push(`plue-trigger: and ${pushed.length - MAX_REFS_SHOWN} more ref(s): plue-trigger events list ${repo.owner}/${repo.name}`);
  }
  return lines;
}

type StoredRun = { run_id: number; run_number: number; name: string };

function pushedRefEvent(ref: string, row: EventOutcomeRow): PushedRefEvent {
  const result = row.result ?? {};
  const list = <T>(value: unknown): T[] => (Array.isArray(value) ? (value as T[]) : []);
  return {
    ref, event_id: row.id, status: row.status,
    runs: list<StoredRun>(result.runs),
    diagnostics: list<PushedRefEvent['diagnostics'][number]>(result.diagnostics),
    skipped: list(result.skipped).length,
    error: row.last_error,
  };
}
