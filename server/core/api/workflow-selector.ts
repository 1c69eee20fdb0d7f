// Which workflow a caller means by `:workflow`: a definition id, the file's path (`.plue/workflows/ci.py`), its
// file name (`ci.py`), the workflow's name, or its function's name (the last three as a manual run names one).
import { didYouMean } from '../language/suggest.js';
import { WORKFLOWS_FOLDER } from '../language/workflow-paths.js';

export interface SelectableWorkflow {
  /** The definition id, when the workflow is one of the default branch's definitions. */
  id?: number;
  path: string;
  name: string;
  function: string;
}

const ID = /^[1-9][0-9]{0,15}$/;

export function isWorkflowId(selector: string): boolean {
  return ID.test(selector);
}

/** The workflows `selector` names, in the given order; empty when none. A definition id wins over the rest. */
export function selectWorkflows<T extends SelectableWorkflow>(candidates: readonly T[], selector: string): T[] {
  if (isWorkflowId(selector)) {
    const byId = candidates.filter((c) => c.id === Number(selector));
    if (byId.length > 0) return byId;
  }
  if (selector === '') return [];
  return candidates.filter((c) =>
    c.path === selector || c.path === `${WORKFLOWS_FOLDER}/${selector}` || c.name === selector || (c.function !== '' && c.function === selector));
}

/** ` Did you mean `Deploy`?` for a selector that names none of the workflows (their names, functions, file names). */
export function workflowSuggestion(candidates: readonly SelectableWorkflow[], selector: string): string {
  const words = candidates.flatMap((c) => [c.name, c.function, c.path.slice(c.path.lastIndexOf('/') + 1)]).filter((w) => w !== '');
  return didYouMean(selector, [...new Set(words)]);
}
