export * from './event.js';
export { compileGlob, compileFilterPattern, globProblem, matchesFilters, GlobSyntaxError } from './glob.js';
export type { FilterPattern } from './glob.js';
export {
  parseRef,
  branchName,
  invalidPatternReason,
  refFilterReason,
  baseBranchFilterReason,
  pathFilterReason,
  runBranchFilterReason,
} from './filters.js';
export type { RefTarget, PathFilters } from './filters.js';
export { matchEvent, workflowSkipReason } from './match.js';
