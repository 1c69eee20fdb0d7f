import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RepositoryRow } from '../adapters/db/repositories.js';
import type { Access } from '../core/api/token-scope.js';
import type { AppDeps } from '../http/deps.js';
import { repositoryOf } from '../http/repository.js';
import { AppError } from '../services/errors/app-error.js';
import type { SafeHtml } from './html.js';
import { viewerMay, viewerMayReadService } from './session.js';
import type { Viewer } from './session.js';

// What every page does first: who is looking, and whether they may see (or do) this.

/** Thrown when a page needs a session and there is none: the error page sends to /sign-in. */
export class SignInNeeded extends Error {}

export function viewerOf(request: FastifyRequest): Viewer {
  if (!request.viewer) throw new Error('the dashboard scope sets request.viewer');
  return request.viewer;
}

/**
 * The `:owner/:repo` repository, when the viewer may `access` it: otherwise a sign-in for someone not signed in,
 * a 403 for a token that does not allow it (as the API answers).
 */
export async function pageRepository(
  deps: AppDeps, request: FastifyRequest<{ Params: { owner: string; repo: string } }>, access: Access = 'read',
): Promise<{ repo: RepositoryRow; viewer: Viewer; canWrite: boolean }> {
  const viewer = viewerOf(request);
  const { owner, repo: name } = request.params;
  if (!viewerMay(viewer, { owner, name }, 'read')) {
    if (viewer.token === null) throw new SignInNeeded();
    throw new AppError('forbidden', { reason: `the signed-in token may not read ${owner}/${name}` });
  }
  const repo = await repositoryOf(deps, request.params);
  if (!viewerMay(viewer, repo, access)) {
    if (viewer.token === null) throw new SignInNeeded();
    throw new AppError('forbidden', { reason: `the signed-in token may not ${access === 'read' ? 'read' : 'change'} ${owner}/${name}` });
  }
  return { repo, viewer, canWrite: viewerMay(viewer, repo, 'write') };
}

/** For pages not of one repository (the runners). */
export function serviceViewer(request: FastifyRequest): Viewer {
  const viewer = viewerOf(request);
  if (!viewerMayReadService(viewer)) throw new SignInNeeded();
  return viewer;
}

export function sendPage(reply: FastifyReply, body: SafeHtml): FastifyReply {
  return reply.type('text/html; charset=utf-8').send(body.text);
}
