// Git adapter: reads repositories through the `git` executable, object database only.
export { GitError, GitNotFoundError, gitAvailable, gitVersion, runGit, streamGitRecords } from './run.js';
export type { GitOutput, RunGitOptions } from './run.js';
export { discoverRepositories, resolveRepository } from './repository.js';
export type { DiscoveredRepository, Discovery, DiscoveryProblem, GitRepository } from './repository.js';
export { defaultBranch, listRefs } from './refs.js';
export { commitExists, isAncestor, isZeroId, mergeBase } from './commits.js';
export { peelToCommit, peelToCommits, readObjects } from './cat-file.js';
export type { GitObject } from './cat-file.js';
export { DEFAULT_MAX_WORKFLOW_BYTES, WORKFLOWS_FOLDER, readWorkflowFiles } from './workflow-files.js';
export type { ReadWorkflowFilesOptions, WorkflowFile, WorkflowFileSkip } from './workflow-files.js';
export { DEFAULT_MAX_CHANGED_FILES, DEFAULT_MAX_NEW_COMMITS, changedFiles } from './changed-files.js';
export type { ChangedFilesQuery, ChangedFilesResult } from './changed-files.js';
export { changedFilesOfPullRequest, changedFilesOfPush, isFastForward, peelCommit, refValues, workflowFilesAt } from './fast-reads.js';
export { closeObjectReaders, GitObjectReader, objectReader } from './object-reader.js';
export { changedFilesWith, isAncestorWith, parseRawTree, peelWith, readWorkflowFilesWith } from './object-walks.js';
