// Where each dashboard page lives: the one place that spells the pages' paths, for the pages' links and the API's
// `html_url`s. Owner and name are path segments, so they are percent-encoded.

export interface RepositoryName {
  owner: string;
  name: string;
}

const segment = encodeURIComponent;

export const repositoryPath = (r: RepositoryName) => `/${segment(r.owner)}/${segment(r.name)}`;
export const runPath = (r: RepositoryName, runId: number) => `${repositoryPath(r)}/runs/${runId}`;
export const workflowPath = (r: RepositoryName, workflowId: number) => `${repositoryPath(r)}/workflows/${workflowId}`;
export const eventsPath = (r: RepositoryName) => `${repositoryPath(r)}/events`;
export const eventPath = (r: RepositoryName, eventId: number) => `${eventsPath(r)}/${eventId}`;
export const auditPath = (r: RepositoryName) => `${repositoryPath(r)}/audit`;
export const hooksPath = (r: RepositoryName) => `${repositoryPath(r)}/hooks`;
export const taskLogStreamPath = (r: RepositoryName, runId: number, taskId: number) => `${runPath(r, runId)}/tasks/${taskId}/logs/stream`;
export const RUNNERS_PATH = '/runners';

/** The same resource in the user API (docs/api.md). */
export const apiRepositoryPath = (r: RepositoryName) => `/api/repos/${segment(r.owner)}/${segment(r.name)}`;
