// Git adapter: the only code that starts git. Reads go through one GitRepository per repository.
export { GitError, GitNotFoundError, gitAvailable, gitVersion } from './run.js';
export { discoverRepositories, resolveRepository } from './discovery.js';
export { hasNoRefsYet } from './refs.js';
export type { DiscoveredRepository, Discovery, DiscoveryProblem, RepositoryLocation } from './discovery.js';
export { GitRepository, closeGitRepositories, gitRepository } from './git-repository.js';
export type { GitRepositoryOptions } from './git-repository.js';
export { createRepositoryFromFolder } from './create.js';
export { DEFAULT_MAX_WORKFLOW_BYTES } from './workflow-files.js';
export type { ReadWorkflowFilesOptions, WorkflowFile, WorkflowFileSkip } from './workflow-files.js';
export { DEFAULT_MAX_CHANGED_FILES, DEFAULT_MAX_NEW_COMMITS } from './changed-files.js';
export type { ChangedFilesQuery, ChangedFilesResult } from './changed-files.js';
