import type { Queryable } from '../../adapters/db/queryable.js';
import { contextFilesSize, readContextFiles } from '../../adapters/db/context-files.js';
import type { ClaimedTask } from '../../adapters/db/tasks.js';
import { INLINE_CONTEXT_BYTES } from '../../core/trigger/context-files.js';

// How a claim offers its run's context files (docs/runners.md): inline when they are small, else a URL the runner
// fetches with its task token. Runs without context files cost no query.

export type ContextOffer = { context: Record<string, string> } | { context_url: string } | Record<string, never>;

export async function contextOffer(db: Queryable, task: Pick<ClaimedTask, 'id' | 'event_id' | 'trigger_event' | 'event_payload'>): Promise<ContextOffer> {
  const names = task.event_payload?.context_files;
  if (task.trigger_event !== 'dispatch' || task.event_id === null || !Array.isArray(names) || names.length === 0) return {};
  const size = await contextFilesSize(db, task.event_id);
  if (size.files === 0) return {};
  if (size.bytes <= INLINE_CONTEXT_BYTES) return { context: await readContextFiles(db, task.event_id) };
  return { context_url: `/api/runners/tasks/${task.id}/context` };
}
