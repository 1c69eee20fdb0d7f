// The `on=` option: an event name, a trigger call, or a list/tuple of those → Trigger[].
import type { DiagnosticList, Position } from './diagnostics.js';
import type { EventName, Trigger, Workflow } from './model.js';
import { EVENT_NAMES } from './model.js';
import type { StaticValue } from './static-value.js';
import { didYouMean, listOfNames } from './suggest.js';
import { FOLLOWED_WORKFLOWS_AT, TRIGGER_READERS } from './trigger-readers.js';
import { reportUnexpected } from './value-readers.js';

/** Event names usable as plain strings: each means the trigger with its defaults (a schedule and a workflow_run have none). */
export const EVENT_NAME_STRINGS: readonly EventName[] = EVENT_NAMES.filter((name) => name !== 'schedule' && name !== 'workflow_run');

// Names people bring from GitHub Actions that Levenshtein would not catch.
const KNOWN_MISTAKES: ReadonlyMap<string, EventName> = new Map([
  ['workflow_dispatch', 'manual'], ['repository_dispatch', 'dispatch'], ['issues', 'issue'],
  ['issue_comment', 'issue'], ['pull_request_target', 'pull_request'],
]);

interface LocatedTrigger {
  trigger: Trigger;
  at: Position;
}

export function readTriggers(on: StaticValue, diagnostics: DiagnosticList): Trigger[] {
  const located: LocatedTrigger[] = [];
  const add = (item: StaticValue): void => {
    const trigger = readTrigger(item, diagnostics);
    if (trigger !== undefined) located.push({ trigger, at: item.at });
  };
  if (on.kind === 'list') {
    for (const item of on.items) {
      if (item.kind === 'string' || item.kind === 'call' || item.kind === 'invalid') add(item);
      else reportUnexpected('Each item of `on`', 'an event name or a trigger call', item, diagnostics);
    }
  } else if (on.kind === 'string' || on.kind === 'call') {
    add(on);
  } else {
    reportUnexpected('`on`', 'an event name, a trigger call, or a list of them', on, diagnostics);
  }
  reportDuplicates(located, diagnostics);
  return located.map((l) => l.trigger);
}

function readTrigger(item: StaticValue, diagnostics: DiagnosticList): Trigger | undefined {
  if (item.kind === 'string') return triggerForEventName(item.value, item.at, diagnostics);
  if (item.kind !== 'call') return undefined;
  const reader = item.known ? TRIGGER_READERS[item.callee as EventName] : undefined;
  if (reader === undefined) {
    const hint = didYouMean(item.callee, EVENT_NAMES) || ` The triggers are ${listOfNames(EVENT_NAMES.map((n) => `${n}()`), 'and')}.`;
    diagnostics.error('unknown-trigger', `\`${item.callee}()\` is not a trigger.${hint}`, item.at);
    return undefined;
  }
  return reader(item, diagnostics);
}

function triggerForEventName(name: string, at: Position, diagnostics: DiagnosticList): Trigger | undefined {
  if (name === 'schedule') {
    diagnostics.error('bad-cron', '`"schedule"` needs a cron expression; write `schedule(cron="0 3 * * *")` instead.', at);
    return undefined;
  }
  if (name === 'workflow_run') {
    diagnostics.error('wrong-type', '`"workflow_run"` needs the workflows it follows; write `workflow_run(workflows=["CI"])` instead.', at);
    return undefined;
  }
  const event = EVENT_NAME_STRINGS.find((e) => e === name);
  if (event === undefined) {
    const known = KNOWN_MISTAKES.get(name);
    const hint = known !== undefined
      ? ` Did you mean \`${known}\`?`
      : didYouMean(name, EVENT_NAME_STRINGS) || ` The events are ${listOfNames(EVENT_NAME_STRINGS, 'and')}.`;
    diagnostics.error('unknown-event', `\`${name}\` is not an event.${hint}`, at);
    return undefined;
  }
  return TRIGGER_READERS[event]({ kind: 'call', callee: event, known: true, args: [], at }, diagnostics);
}

/**
 * Several triggers for one event are allowed and any of them may match (two schedules, or pushes to
 * `main` plus tag pushes). An identical repeat is a warning; a second `manual` is an error, since its
 * inputs would be ambiguous.
 */
function reportDuplicates(triggers: readonly LocatedTrigger[], diagnostics: DiagnosticList): void {
  const seen = new Map<string, LocatedTrigger>();
  let manual: LocatedTrigger | undefined;
  for (const located of triggers) {
    if (located.trigger.event === 'manual') {
      if (manual !== undefined) {
        diagnostics.error('duplicate-trigger', `A workflow can have only one \`manual\` trigger; the first is on line ${manual.at.line}.`, located.at);
      }
      manual ??= located;
      continue;
    }
    const key = JSON.stringify(located.trigger);
    const first = seen.get(key);
    if (first !== undefined) {
      diagnostics.warning('duplicate-trigger', `This \`${located.trigger.event}\` trigger repeats the one on line ${first.at.line}, column ${first.at.column}; remove it.`, located.at);
    } else {
      seen.set(key, located);
    }
  }
}

/**
 * A workflow_run trigger naming its own workflow (known once the default name is settled): each run would start
 * the next, a chain only the loop guard (PLUE_DISPATCH_MAX_DEPTH) ends. GitHub allows it too, so a warning.
 */
export function reportFollowingItself(workflow: Workflow, diagnostics: DiagnosticList): void {
  for (const trigger of workflow.triggers) {
    if (trigger.event !== 'workflow_run') continue;
    for (const name of FOLLOWED_WORKFLOWS_AT.get(trigger) ?? []) {
      if (name.value !== workflow.name) continue;
      diagnostics.warning('follows-itself', `\`${workflow.name}\` follows its own runs: each run would start another, until the chain is cut at PLUE_DISPATCH_MAX_DEPTH.`, name.at);
    }
  }
}
