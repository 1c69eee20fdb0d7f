import type { Tx } from '../../adapters/db/connect.js';
import { lockRunsInThread } from '../../adapters/db/run-events.js';
import { replyThread } from '../../core/waits/reply-thread.js';
import type { ThreadRun } from '../../core/waits/reply-thread.js';
import { deliverToLockedRun } from '../api/run-events.js';
import type { RaiseReply } from '../api/run-events.js';

// The second arm of triggering: a chat message or issue comment in a thread goes to the runs of that thread as an
// event they can wait for (core/waits/reply-thread.ts has the rule), in the transaction that triggers it.

export interface ResumedRun {
  run: ThreadRun;
  reply: RaiseReply;
}

export async function deliverReply(tx: Tx, repositoryId: number, event: { id: number; kind: string; payload: unknown }): Promise<ResumedRun[]> {
  const thread = replyThread(event.kind, event.payload);
  if (thread === null) return [];
  const resumed: ResumedRun[] = [];
  for (const run of await lockRunsInThread(tx, repositoryId, thread)) {
    const reply = await deliverToLockedRun(tx, { repositoryId, runId: run.id }, {
      name: thread.kind, payload: event.payload, idempotencyKey: `event:${event.id}`, source: 'event', detail: { from_event: event.id },
    }, { service: 'trigger' });
    resumed.push({ run, reply });
  }
  return resumed;
}

/** How the event's record lists the runs a reply went to. */
export function presentResumed(resumed: readonly ResumedRun[]) {
  return resumed.map(({ run, reply }) => ({
    run_id: run.id, run_number: run.run_number, name: run.workflow_name, path: run.workflow_path,
    run_event_id: reply.event_id, delivered_to: reply.delivered_to?.wait_key ?? null,
  }));
}
