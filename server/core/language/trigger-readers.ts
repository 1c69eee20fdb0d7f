// One reader per trigger call: `push(...)`, `pull_request(...)`, `issue(...)`, `schedule(...)`, … → Trigger.
import { cronErrorMessage, timezoneProblem } from '../schedule/index.js';
import type { DiagnosticList } from './diagnostics.js';
import { readManualInputs } from './manual-inputs.js';
import { checkFilterPattern } from './pattern-checks.js';
import type {
  EventName, IssueType, PullRequestType, Trigger, WorkflowRunConclusion, WorkflowRunTrigger, WorkflowRunType,
} from './model.js';
import {
  DEFAULT_PULL_REQUEST_TYPES, DEFAULT_WORKFLOW_RUN_TYPES, ISSUE_TYPES, PULL_REQUEST_TYPES, WORKFLOW_RUN_CONCLUSIONS,
  WORKFLOW_RUN_TYPES,
} from './model.js';
import type { StaticCall } from './static-value.js';
import { didYouMean, listOfNames } from './suggest.js';
import type { KeywordValue, Located } from './value-readers.js';
import { readKeywords, readNonEmptyStringList, readString } from './value-readers.js';

type FilterName = 'branches' | 'branches_ignore' | 'tags' | 'tags_ignore' | 'paths' | 'paths_ignore';

const FILTER_PAIRS: ReadonlyArray<readonly [FilterName, FilterName]> = [
  ['branches', 'branches_ignore'], ['tags', 'tags_ignore'], ['paths', 'paths_ignore'],
];

const PUSH_OPTIONS: readonly FilterName[] = ['branches', 'branches_ignore', 'tags', 'tags_ignore', 'paths', 'paths_ignore'];
const PULL_REQUEST_OPTIONS = ['types', 'branches', 'branches_ignore', 'paths', 'paths_ignore'] as const;
const WORKFLOW_RUN_OPTIONS = ['workflows', 'types', 'conclusions', 'branches', 'branches_ignore'] as const;

/**
 * Where each `workflow_run` trigger wrote the names it follows, for checks that need the workflow's final name
 * (see parse-workflow-file.ts). Kept beside the trigger, so the trigger itself stays plain JSON.
 */
export const FOLLOWED_WORKFLOWS_AT = new WeakMap<WorkflowRunTrigger, Located<string>[]>();

type TriggerReader = (call: StaticCall, diagnostics: DiagnosticList) => Trigger | undefined;

export const TRIGGER_READERS: Readonly<Record<EventName, TriggerReader>> = {
  push: (call, diagnostics) => {
    const keywords = readKeywords('push', call.args, PUSH_OPTIONS, diagnostics);
    return { event: 'push', ...readFilters(keywords, PUSH_OPTIONS, diagnostics) };
  },
  pull_request: (call, diagnostics) => {
    const keywords = readKeywords('pull_request', call.args, PULL_REQUEST_OPTIONS, diagnostics);
    const types = readTypes(keywords.get('types'), PULL_REQUEST_TYPES, 'a pull request', diagnostics);
    const filters = readFilters(keywords, ['branches', 'branches_ignore', 'paths', 'paths_ignore'], diagnostics);
    return { event: 'pull_request', types: (types as PullRequestType[] | undefined) ?? [...DEFAULT_PULL_REQUEST_TYPES], ...filters };
  },
  issue: (call, diagnostics) => {
    const keywords = readKeywords('issue', call.args, ['types'], diagnostics);
    const types = readTypes(keywords.get('types'), ISSUE_TYPES, 'an issue', diagnostics);
    return { event: 'issue', types: (types as IssueType[] | undefined) ?? [...ISSUE_TYPES] };
  },
  chat: (call, diagnostics) => {
    readKeywords('chat', call.args, [], diagnostics);
    return { event: 'chat' };
  },
  dispatch: (call, diagnostics) => {
    readKeywords('dispatch', call.args, [], diagnostics);
    return { event: 'dispatch' };
  },
  manual: (call, diagnostics) => {
    const inputs = readKeywords('manual', call.args, ['inputs'], diagnostics).get('inputs');
    return { event: 'manual', inputs: inputs === undefined ? {} : readManualInputs(inputs.value, diagnostics) };
  },
  schedule: (call, diagnostics) => {
    const keywords = readKeywords('schedule', call.args, ['cron', 'timezone'], diagnostics);
    const cron = keywords.get('cron');
    if (cron === undefined) {
      diagnostics.error('bad-cron', '`schedule()` needs a cron expression, as in `schedule(cron="0 3 * * *")`.', call.at);
      return undefined;
    }
    const expression = readString(cron.value, '`cron`', diagnostics);
    const problem = expression === undefined ? null : cronErrorMessage(expression);
    if (problem !== null) diagnostics.error('bad-cron', problem, cron.value.at);
    const timezone = readTimezone(keywords.get('timezone'), diagnostics);
    if (expression === undefined || problem !== null || timezone === undefined) return undefined;
    return { event: 'schedule', cron: expression.trim(), timezone };
  },
  workflow_run: (call, diagnostics) => {
    const keywords = readKeywords('workflow_run', call.args, WORKFLOW_RUN_OPTIONS, diagnostics);
    const given = keywords.get('workflows');
    if (given === undefined) {
      diagnostics.error('wrong-type', '`workflow_run()` needs the workflows it follows, as in `workflow_run(workflows=["CI"])`.', call.at);
    }
    const workflows = given === undefined
      ? undefined
      : readNonEmptyStringList(given.value, '`workflows`', 'name at least one workflow to follow', diagnostics);
    for (const name of workflows ?? []) {
      if (name.value.trim() === '') diagnostics.error('wrong-type', 'Workflow names in `workflows` must not be empty.', name.at);
    }
    const types = readTypes(keywords.get('types'), WORKFLOW_RUN_TYPES, 'a workflow_run', diagnostics);
    const conclusions = readListedNames(keywords.get('conclusions'), {
      option: 'conclusions', allowed: WORKFLOW_RUN_CONCLUSIONS, what: 'a run conclusion', plural: 'conclusions',
      emptyHint: 'leave `conclusions` out to follow every conclusion',
    }, diagnostics) as WorkflowRunConclusion[] | undefined;
    const filters = readFilters(keywords, ['branches', 'branches_ignore'], diagnostics);
    if (workflows === undefined || workflows.some((name) => name.value.trim() === '')) return undefined;
    const trigger: WorkflowRunTrigger = {
      event: 'workflow_run',
      workflows: [...new Set(workflows.map((name) => name.value))],
      types: (types as WorkflowRunType[] | undefined) ?? [...DEFAULT_WORKFLOW_RUN_TYPES],
      ...(conclusions === undefined ? {} : { conclusions }),
      ...filters,
    };
    FOLLOWED_WORKFLOWS_AT.set(trigger, workflows);
    return trigger;
  },
};

/** The branch/tag/path filters among `names`, with each pattern checked. */
function readFilters(
  keywords: ReadonlyMap<string, KeywordValue>,
  names: readonly FilterName[],
  diagnostics: DiagnosticList,
): Partial<Record<FilterName, string[]>> {
  const filters: Partial<Record<FilterName, string[]>> = {};
  for (const name of names) {
    const keyword = keywords.get(name);
    if (keyword === undefined) continue;
    const what = name.startsWith('branches') ? 'branch' : name.startsWith('tags') ? 'tag' : 'path';
    const patterns = readNonEmptyStringList(keyword.value, `\`${name}\``, `leave \`${name}\` out to match every ${what}`, diagnostics);
    if (patterns === undefined) continue;
    for (const pattern of patterns) checkFilterPattern(pattern, what === 'path' ? 'path' : 'ref', diagnostics);
    filters[name] = patterns.map((p) => p.value);
  }
  for (const [include, ignore] of FILTER_PAIRS) {
    const second = keywords.get(ignore);
    if (keywords.has(include) && second !== undefined) {
      diagnostics.error(
        'conflicting-filters',
        `\`${include}\` and \`${ignore}\` cannot be used together; list exclusions in \`${include}\` with a leading \`!\`.`,
        second.at,
      );
    }
  }
  return filters;
}

/** The `timezone=` of a schedule, `UTC` when not given; undefined when invalid (reported). */
function readTimezone(keyword: KeywordValue | undefined, diagnostics: DiagnosticList): string | undefined {
  if (keyword === undefined) return 'UTC';
  const zone = readString(keyword.value, '`timezone`', diagnostics);
  if (zone === undefined) return undefined;
  const problem = timezoneProblem(zone);
  if (problem === null) return zone;
  diagnostics.error('bad-timezone', problem, keyword.value.at);
  return undefined;
}

/** Activity types from `types=`; undefined when not given or invalid (the default applies). */
function readTypes(
  keyword: KeywordValue | undefined,
  allowed: readonly string[],
  what: string,
  diagnostics: DiagnosticList,
): string[] | undefined {
  return readListedNames(keyword, {
    option: 'types', allowed, what: `${what} activity type`, plural: 'types', emptyHint: 'leave `types` out for the default types',
  }, diagnostics);
}

/** Names from a list option, each one of `allowed` (`unknown-type` otherwise), repeats dropped; undefined when none. */
function readListedNames(
  keyword: KeywordValue | undefined,
  option: { option: string; allowed: readonly string[]; what: string; plural: string; emptyHint: string },
  diagnostics: DiagnosticList,
): string[] | undefined {
  if (keyword === undefined) return undefined;
  const given = readNonEmptyStringList(keyword.value, `\`${option.option}\``, option.emptyHint, diagnostics);
  if (given === undefined) return undefined;
  const result: string[] = [];
  for (const name of given) {
    if (!option.allowed.includes(name.value)) {
      const hint = didYouMean(name.value, option.allowed) || ` The ${option.plural} are ${listOfNames(option.allowed, 'and')}.`;
      diagnostics.error('unknown-type', `\`${name.value}\` is not ${option.what}.${hint}`, name.at);
    } else if (!result.includes(name.value)) {
      result.push(name.value);
    }
  }
  return result.length === 0 ? undefined : result;
}
