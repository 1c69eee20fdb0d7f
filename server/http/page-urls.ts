import type { FastifyRequest } from 'fastify';
import { eventPath, runPath, workflowPath } from '../core/dashboard/page-paths.js';
import type { RepositoryName } from '../core/dashboard/page-paths.js';

// The dashboard's page of each resource, as the `html_url` of its JSON (as GitHub's API does).

/** The service's own address for links in replies: PLUE_URL or where it listens; else the request's host. */
export function serviceBase(deps: { serverUrl?(): string }, request: FastifyRequest): string {
  return (deps.serverUrl?.() ?? `${request.protocol}://${request.host}`).replace(/\/+$/, '');
}

export interface PageUrls {
  run(id: number): string;
  workflow(id: number): string;
  event(id: number): string;
}

export function pageUrls(base: string, repo: RepositoryName): PageUrls {
  return {
    run: (id) => base + runPath(repo, id),
    workflow: (id) => base + workflowPath(repo, id),
    event: (id) => base + eventPath(repo, id),
  };
}

export function pageUrlsOf(deps: { serverUrl?(): string }, request: FastifyRequest, repo: RepositoryName): PageUrls {
  return pageUrls(serviceBase(deps, request), repo);
}
