// Reading one `@workflow(...)` decorator into a Workflow.
import { concurrencyError } from './concurrency.js';
import type { DiagnosticList, Position } from './diagnostics.js';
import type { Workflow } from './model.js';
import type { CallArgument } from './static-value.js';
import { readTriggers } from './triggers.js';
import { readBool, readKeywords, readString, readStringList } from './value-readers.js';
import type { KeywordValue } from './value-readers.js';
import { QUEUE_MODES } from '../concurrency/admission.js';
import type { QueueMode } from '../concurrency/admission.js';

export const WORKFLOW_OPTIONS = ['name', 'on', 'triggers', 'agent', 'runs_on', 'concurrency', 'cancel_in_progress', 'queue'] as const;

/** A workflow as read from its decorator; `name` is undefined when the default (see workflow-paths.ts) applies. */
export type DecoratedWorkflow = Omit<Workflow, 'name'> & { name: string | undefined };

export interface WorkflowDecorator {
  /** Position of the `@`. */
  at: Position;
  /** The decorator's arguments, or undefined for a bare `@workflow` without parentheses. */
  args: CallArgument[] | undefined;
  functionName: string;
  /** 1-based line of the `def`. */
  line: number;
}

export function readWorkflowDecorator(decorator: WorkflowDecorator, diagnostics: DiagnosticList): DecoratedWorkflow {
  const workflow: DecoratedWorkflow = {
    name: undefined,
    function: decorator.functionName,
    line: decorator.line,
    agent: false,
    runs_on: [],
    concurrency: null,
    cancel_in_progress: false,
    concurrency_queue: 'single',
    triggers: [],
  };
  if (decorator.args === undefined) {
    diagnostics.error('no-triggers', '`@workflow` needs triggers; write it as a call, as in `@workflow(on="push")`.', decorator.at);
    return workflow;
  }
  const keywords = readKeywords('workflow', decorator.args, WORKFLOW_OPTIONS, diagnostics);

  const name = keywords.get('name');
  if (name !== undefined) {
    const value = readString(name.value, '`name`', diagnostics);
    if (value?.trim() === '') diagnostics.error('wrong-type', '`name` must not be empty; leave it out to use the default name.', name.value.at);
    else if (value !== undefined) {
      workflow.name = value;
      workflow.name_at = name.value.at;
    }
  }
  for (const option of ['agent', 'cancel_in_progress'] as const) {
    const keyword = keywords.get(option);
    if (keyword !== undefined) workflow[option] = readBool(keyword.value, `\`${option}\``, diagnostics) ?? false;
  }
  const runsOn = keywords.get('runs_on');
  if (runsOn !== undefined) {
    const labels = readStringList(runsOn.value, '`runs_on`', diagnostics) ?? [];
    for (const label of labels) {
      if (label.value.trim() === '') diagnostics.error('wrong-type', 'Runner labels in `runs_on` must not be empty.', label.at);
      else workflow.runs_on.push(label.value);
    }
  }
  const concurrency = keywords.get('concurrency');
  if (concurrency !== undefined && concurrency.value.kind !== 'none') {
    const group = readString(concurrency.value, '`concurrency`', diagnostics);
    const problem = group === undefined ? null : concurrencyError(group);
    if (problem !== null) diagnostics.error('bad-concurrency', `\`concurrency\` is not a valid group: ${problem}.`, concurrency.value.at);
    else if (group !== undefined) workflow.concurrency = group;
  }
  readQueue(keywords.get('queue'), workflow, diagnostics);

  const on = keywords.get('on');
  const triggers = keywords.get('triggers');
  if (on !== undefined && triggers !== undefined) {
    const later = isBefore(on.at, triggers.at) ? triggers : on;
    diagnostics.error('duplicate-keyword', '`on` and `triggers` are the same option; give only one of them.', later.at);
  }
  const given = on ?? triggers;
  if (given === undefined) {
    diagnostics.error('no-triggers', 'This workflow has no triggers; add `on=...`, as in `@workflow(on="push")`.', decorator.at);
  } else {
    workflow.triggers = readTriggers(given.value, diagnostics);
    if (given.value.kind === 'list' && given.value.items.length === 0) {
      diagnostics.error('no-triggers', '`on` is an empty list, so this workflow would never run; list at least one trigger.', given.value.at);
    }
  }
  if (concurrency !== undefined && workflow.concurrency !== null && !workflow.concurrency.includes('{ref}')
    && workflow.triggers.some((t) => t.event === 'pull_request')) {
    // A pull request's workflow is read at its head, so its author chooses the group, and could cancel others.
    diagnostics.warning('shared-concurrency-group', `Pull request runs share the group \`${workflow.concurrency}\` with every other ref's runs${workflow.cancel_in_progress ? ', and cancel them' : ''}; add \`{ref}\` to keep each ref's runs apart.`, concurrency.value.at);
  }
  return workflow;
}

/** `queue="max"` (GitHub's `queue: max`) needs a group, and cannot be combined with cancelling the run in progress. */
function readQueue(queue: KeywordValue | undefined, workflow: DecoratedWorkflow, diagnostics: DiagnosticList): void {
  if (queue === undefined) return;
  const mode = readString(queue.value, '`queue`', diagnostics);
  if (mode === undefined) return;
  if (!(QUEUE_MODES as readonly string[]).includes(mode)) {
    diagnostics.error('bad-concurrency', `\`queue\` is "single" (the default) or "max", not ${JSON.stringify(mode)}.`, queue.value.at);
  } else if (workflow.concurrency === null) {
    diagnostics.error('bad-concurrency', '`queue` orders the runs of a concurrency group; give the group with `concurrency=...`.', queue.at);
  } else if (mode === 'max' && workflow.cancel_in_progress) {
    diagnostics.error('bad-concurrency', '`queue="max"` keeps pending runs in order, and `cancel_in_progress=True` cancels them; choose one.', queue.at);
  } else {
    workflow.concurrency_queue = mode as QueueMode;
  }
}

function isBefore(a: Position, b: Position): boolean {
  return a.line < b.line || (a.line === b.line && a.column < b.column);
}
