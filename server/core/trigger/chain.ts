// The loop guard: every event knows the run that caused it and how many handoffs led there. A workflow that
// starts another (a dispatch from its task, a workflow_run) makes an event one level deeper than its own run.

export interface Chain {
  parent_run_id: number | null;
  depth: number;
}

/** Pushes, host events and people start chains. */
export const CHAIN_START: Chain = { parent_run_id: null, depth: 0 };

/** The chain of an event that `run` (at `depth`) causes. */
export function childChain(run: { id: number; depth: number }): Chain {
  return { parent_run_id: run.id, depth: run.depth + 1 };
}

/** Why a handoff at `chain` is refused as a loop, or null when it may go ahead. */
export function loopProblem(chain: Chain, maxDepth: number): string | null {
  if (chain.depth <= maxDepth) return null;
  return `this handoff would be ${chain.depth} levels deep (run ${chain.parent_run_id} was started by a chain of ${chain.depth - 1}), `
    + `more than PLUE_DISPATCH_MAX_DEPTH (${maxDepth}): a loop of workflows starting each other?`;
}
