import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Sql } from '../../adapters/db/connect.js';
import { findEventByKey, findEventsOf, recordOrReopenEvent } from '../../adapters/db/events.js';
import type { EventOutcomeRow } from '../../adapters/db/events.js';
import type { RepositoryRow } from '../../adapters/db/repositories.js';
import { gitRepository } from '../../adapters/git/index.js';
import type { GitRepository } from '../../adapters/git/index.js';
import { branchName, isCommitId, isValidRefName } from '../../core/api/ref-names.js';
import { ISSUE_TYPES, PULL_REQUEST_TYPES } from '../../core/language/model.js';
import { commitOf, resolveRef } from './git-refs.js';
import { AppError, invalid } from '../errors/app-error.js';
import type { Problem } from '../errors/app-error.js';
import { setTimeout as sleep } from 'node:timers/promises';

// Events the git host hands in (`POST /api/repos/:owner/:repo/events`): checked here against the repository, then
// recorded in the same event table as pushes, for the trigger to match and run like any other event.

export const HOST_EVENT_KINDS = ['pull_request', 'issue', 'chat', 'dispatch'] as const;
export type HostEventKind = (typeof HOST_EVENT_KINDS)[number];

export interface HostEventRequest {
  event: HostEventKind;
  action?: string;
  base_ref?: string;
  head_ref?: string;
  base_sha?: string;
  head_sha?: string;
  /** dispatch: the branch or tag whose workflows run (default branch when absent). */
  ref?: string;
  /** dispatch: only this workflow (name, function or path) may start. */
  workflow?: string;
  /** Anything else the host knows (the issue, the chat message…); handed to the runs as their payload. */
  payload?: Record<string, unknown>;
}

/** Which top-level fields each kind takes; required ones first. */
const FIELDS: Record<HostEventKind, { required: Array<keyof HostEventRequest>; optional: Array<keyof HostEventRequest> }> = {
  pull_request: { required: ['action', 'base_ref', 'head_ref', 'base_sha', 'head_sha'], optional: [] },
  issue: { required: ['action'], optional: [] },
  chat: { required: [], optional: ['action'] },
  dispatch: { required: [], optional: ['action', 'ref', 'workflow'] },
};
const KIND_FIELDS: Array<keyof HostEventRequest> = ['action', 'base_ref', 'head_ref', 'base_sha', 'head_sha', 'ref', 'workflow'];

/**
 * Checks the event against its kind and the repository (every problem, not only the first) and returns the
 * checked fields, which the trigger reads from the payload over what the host sent in `payload`.
 */
export async function checkHostEvent(repo: RepositoryRow, gitDir: string, request: HostEventRequest): Promise<Record<string, unknown>> {
  const problems: Problem[] = [];
  const problem = (field: string, code: string, message: string, allowed?: readonly string[]) =>
    problems.push({ part: 'body', field, code, message, ...(allowed ? { allowed } : {}) });
  const { required, optional } = FIELDS[request.event];
  for (const field of required) if (request[field] === undefined) problem(field, 'missing', `\`${field}\` is required for ${request.event} events`);
  for (const field of KIND_FIELDS) {
    if (request[field] !== undefined && !required.includes(field) && !optional.includes(field)) {
      problem(field, 'not_allowed', `\`${field}\` does not apply to ${request.event} events`);
    }
  }
  const git = gitRepository(gitDir);
  const fields: Record<string, unknown> = {};
  if (request.action !== undefined) {
    const allowed: readonly string[] | null = request.event === 'pull_request' ? PULL_REQUEST_TYPES : request.event === 'issue' ? ISSUE_TYPES : null;
    if (allowed && !allowed.includes(request.action)) {
      problem('action', 'unknown_action', `\`${request.action}\` is not a ${request.event} action; use one of ${allowed.join(', ')}`, allowed);
    }
    fields.action = request.action;
  }
  if (request.event === 'pull_request') await checkPullRequest(git, request, fields, problem);
  if (request.event === 'dispatch' && request.workflow !== undefined) fields.workflow = request.workflow;
  // The trigger reads the ref from the payload: only the checked top-level field may set it.
  if (request.payload && Object.hasOwn(request.payload, 'ref')) {
    problem('payload.ref', 'reserved', request.event === 'dispatch'
      ? '`payload.ref` is reserved: give the branch or tag as the top-level `ref`'
      : `\`payload.ref\` is reserved: ${request.event === 'pull_request' ? 'pull request workflows are read at `head_sha`' : `${request.event} workflows are read from the default branch`}`);
  }
  if (request.event !== 'pull_request') {
    const refName = request.ref ?? repo.default_branch;
    if (refName === null) problem('ref', 'no_default_branch', 'the repository has no default branch to read workflows from');
    else {
      const target = await resolveRef(git, refName);
      if (target === null) {
        problem('ref', 'unknown_ref', request.ref === undefined
          ? `the default branch \`${refName}\` has no commit yet`
          : `\`${refName}\` is not a branch or tag of ${repo.owner}/${repo.name}`);
      } else if (request.ref !== undefined) fields.ref = target.ref; // full, so a tag is read as a tag
    }
  }
  if (problems.length > 0) throw invalid('invalid_event', problems);
  return fields;
}

async function checkPullRequest(
  git: GitRepository,
  request: HostEventRequest,
  fields: Record<string, unknown>,
  problem: (field: string, code: string, message: string) => void,
): Promise<void> {
  for (const field of ['base_ref', 'head_ref'] as const) {
    const value = request[field];
    if (value === undefined) continue;
    if (!isValidRefName(value)) problem(field, 'invalid_ref', `\`${field}\` is not a valid branch name`);
    else fields[field] = branchName(value);
  }
  // The base branch must be here; the head branch may live in a fork or be gone, its commit may not.
  if (typeof fields.base_ref === 'string' && (await resolveRef(git, `refs/heads/${fields.base_ref}`)) === null) {
    problem('base_ref', 'unknown_ref', `\`${fields.base_ref}\` is not a branch of this repository`);
  }
  for (const field of ['base_sha', 'head_sha'] as const) {
    const value = request[field];
    if (value === undefined) continue;
    if (!isCommitId(value)) problem(field, 'invalid_sha', `\`${field}\` must be a full commit id (40 or 64 lower-case hex digits)`);
    else if ((await commitOf(git, value)) === null) problem(field, 'unknown_commit', `\`${field}\` ${value} is not a commit of this repository`);
    else fields[field] = value;
  }
}

/**
 * Records the event; a delivery id (or Idempotency-Key) is its dedup key, so a redelivery records nothing new
 * and answers with the first event (re-opened to be tried again when it had failed), and a different event under
 * a used key is refused.
 */
export async function recordHostEvent(
  sql: Sql,
  repositoryId: number,
  kind: HostEventKind,
  /** The host's `payload` as it wrote it (its numbers stay exact), and the checked fields that go over it. */
  payload: { text: string; fields: Record<string, unknown> },
  deliveryId: string | undefined,
): Promise<{ event_id: number; duplicate: boolean; reopened: boolean }> {
  const key = deliveryId === undefined ? `api:${randomUUID()}` : `delivery:${deliveryId}`;
  const recorded = await sql.begin((tx) => recordOrReopenEvent(tx, {
    repository_id: repositoryId, kind, dedup_key: key, payload: payload.fields, payloadText: payload.text, source: 'api',
  }));
  if (recorded !== null) return { event_id: recorded.id, duplicate: false, reopened: recorded.reopened };
  const first = await findEventByKey(sql, repositoryId, key);
  // The stored payload as it reads back.
  const expected = { ...(JSON.parse(payload.text) as object), ...(JSON.parse(JSON.stringify(payload.fields)) as object) };
  if (!first || first.kind !== kind || !isDeepStrictEqual(first.payload, expected)) {
    throw new AppError('idempotency_key_reused', { key: 'delivery id', what: 'event' });
  }
  return { event_id: first.id, duplicate: true, reopened: false };
}

/** Polls until the trigger has processed the event (or given up on it), or the time is up. */
export async function waitForEvent(sql: Sql, repositoryId: number, eventId: number, timeoutMs: number): Promise<EventOutcomeRow | null> {
  return (await waitForEvents(sql, repositoryId, [eventId], timeoutMs))[0] ?? null;
}

/**
 * Polls until the trigger has processed every one of the events (or given up on them), or the time is up. The
 * polls back off from 10 ms to `maxDelayMs`.
 */
export async function waitForEvents(
  sql: Sql, repositoryId: number, eventIds: readonly number[], timeoutMs: number, maxDelayMs = 200,
): Promise<EventOutcomeRow[]> {
  const deadline = Date.now() + timeoutMs;
  let delay = 10;
  for (;;) {
    const rows = await findEventsOf(sql, repositoryId, eventIds);
    if (rows.every((row) => row.status !== 'pending') || Date.now() >= deadline) return rows;
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())));
    delay = Math.min(delay * 2, maxDelayMs);
  }
}
