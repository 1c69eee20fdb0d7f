// Branch, tag and path filters of push and pull_request triggers. Each check returns why the filter
// rejects the event, or null when it lets the event through. Rules and GitHub doc links: docs/workflows.md (Matching rules).

import type { PullRequestTrigger, PushTrigger, WorkflowRunTrigger } from '../language/model.js';
import type { ChangedFiles } from './event.js';
import { globProblem, matchesFilters } from './glob.js';
import { listed, quoted } from './reasons.js';

export interface RefTarget {
  kind: 'branch' | 'tag';
  /** Name without `refs/heads/` or `refs/tags/`. */
  name: string;
}

export interface PathFilters {
  paths?: string[];
  paths_ignore?: string[];
}

const BRANCH_PREFIX = 'refs/heads/';
const TAG_PREFIX = 'refs/tags/';
const FILTER_KEYS = ['branches', 'branches_ignore', 'tags', 'tags_ignore', 'paths', 'paths_ignore'] as const;
type FilterKey = (typeof FILTER_KEYS)[number];

/** `refs/heads/X` is branch X, `refs/tags/T` is tag T; any other ref (e.g. `refs/notes/x`) is neither. */
export function parseRef(ref: string): RefTarget | null {
  if (ref.startsWith(BRANCH_PREFIX) && ref.length > BRANCH_PREFIX.length) {
    return { kind: 'branch', name: ref.slice(BRANCH_PREFIX.length) };
  }
  if (ref.startsWith(TAG_PREFIX) && ref.length > TAG_PREFIX.length) {
    return { kind: 'tag', name: ref.slice(TAG_PREFIX.length) };
  }
  return null;
}

/** A pull request's base may be given as `main` or `refs/heads/main`. */
export function branchName(ref: string): string {
  return ref.startsWith(BRANCH_PREFIX) ? ref.slice(BRANCH_PREFIX.length) : ref;
}

/** The first invalid pattern among a trigger's filters, as a skip reason; null when all are valid. */
export function invalidPatternReason(filters: Partial<Record<FilterKey, readonly string[]>>): string | null {
  for (const key of FILTER_KEYS) {
    for (const pattern of filters[key] ?? []) {
      const problem = globProblem(pattern);
      if (problem !== null) return `invalid pattern ${quoted(pattern)} in ${key}: ${problem}`;
    }
  }
  return null;
}

/**
 * An include list (last match wins) and an ignore list (the name is ignored when the ignore list, read the same
 * way, matches it). When both are given, both must agree.
 */
function nameFilterReason(
  label: string,
  name: string,
  include: { key: string; patterns: readonly string[] | undefined },
  ignore: { key: string; patterns: readonly string[] | undefined },
): string | null {
  if (include.patterns !== undefined && !matchesFilters(include.patterns, name)) {
    return `${label} ${quoted(name)} not in ${include.key} ${listed(include.patterns)}`;
  }
  if (ignore.patterns !== undefined && matchesFilters(ignore.patterns, name)) {
    return `${label} ${quoted(name)} matches ${ignore.key} ${listed(ignore.patterns)}`;
  }
  return null;
}

/** Branch and tag filters of a push trigger. Setting only one kind of filter shuts out the other kind of ref. */
export function refFilterReason(trigger: PushTrigger, target: RefTarget): string | null {
  const hasBranchFilter = trigger.branches !== undefined || trigger.branches_ignore !== undefined;
  const hasTagFilter = trigger.tags !== undefined || trigger.tags_ignore !== undefined;
  if (target.kind === 'branch') {
    if (!hasBranchFilter) return hasTagFilter ? "branch pushes don't match: only tag filters are set" : null;
    return nameFilterReason(
      'branch',
      target.name,
      { key: 'branches', patterns: trigger.branches },
      { key: 'branches_ignore', patterns: trigger.branches_ignore },
    );
  }
  if (!hasTagFilter) return hasBranchFilter ? "tag pushes don't match: only branch filters are set" : null;
  return nameFilterReason(
    'tag',
    target.name,
    { key: 'tags', patterns: trigger.tags },
    { key: 'tags_ignore', patterns: trigger.tags_ignore },
  );
}

/** Branch filters of a pull_request trigger apply to the base (target) branch. */
export function baseBranchFilterReason(trigger: PullRequestTrigger, baseRef: string): string | null {
  return nameFilterReason(
    'base branch',
    branchName(baseRef),
    { key: 'branches', patterns: trigger.branches },
    { key: 'branches_ignore', patterns: trigger.branches_ignore },
  );
}

/** Branch filters of a workflow_run trigger apply to the branch of the run that was requested or completed. */
export function runBranchFilterReason(trigger: WorkflowRunTrigger, branch: string | null): string | null {
  if (trigger.branches === undefined && trigger.branches_ignore === undefined) return null;
  if (branch === null) return 'the run is not for a branch, and branch filters are set';
  return nameFilterReason(
    'run branch',
    branch,
    { key: 'branches', patterns: trigger.branches },
    { key: 'branches_ignore', patterns: trigger.branches_ignore },
  );
}

/**
 * `paths`: at least one changed file must be included (last match wins). `paths_ignore`: skipped only when every
 * changed file is ignored. No changed files never satisfy a path filter; a truncated list always does.
 */
export function pathFilterReason(filters: PathFilters, changes: ChangedFiles): string | null {
  const { paths, paths_ignore: pathsIgnore } = filters;
  if (paths === undefined && pathsIgnore === undefined) return null;
  if (changes.changed_files_truncated === true) return null;
  const files = changes.changed_files;
  if (files.length === 0) {
    const key = paths !== undefined ? 'paths' : 'paths_ignore';
    return `no changed files to check against ${key} ${listed(paths ?? pathsIgnore ?? [])}`;
  }
  if (paths !== undefined && !files.some((file) => matchesFilters(paths, file))) {
    return `no changed file matches paths ${listed(paths)}`;
  }
  if (pathsIgnore !== undefined && files.every((file) => matchesFilters(pathsIgnore, file))) {
    return `every changed file matches paths_ignore ${listed(pathsIgnore)}`;
  }
  return null;
}
