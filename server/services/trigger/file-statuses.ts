import { insertStatusOnce } from '../../adapters/db/commit-statuses.js';
import type { Queryable } from '../../adapters/db/queryable.js';
import { diagnosticDescription, fileContext } from '../../core/status/commit-status.js';
import type { EventPlan } from './event-plan.js';

/**
 * Inside the event's transaction (under the repository's trigger lock): an `error` status on the pushed commit for
 * each workflow file with errors, naming its first error. Once per (commit, file): the same commit pushed to another
 * ref adds nothing. Returns how many were set.
 */
export async function recordWorkflowFileErrors(tx: Queryable, repositoryId: number, plan: EventPlan): Promise<number> {
  if (plan.commit === null) return 0;
  let set = 0;
  for (const file of plan.files) {
    const first = file.diagnostics.find((d) => d.severity === 'error');
    if (!first) continue;
    const added = await insertStatusOnce(tx, {
      repository_id: repositoryId, sha: plan.commit, context: fileContext(file.path), state: 'error',
      description: diagnosticDescription(file.path, first), target_path: null,
    });
    if (added) set += 1;
  }
  return set;
}
