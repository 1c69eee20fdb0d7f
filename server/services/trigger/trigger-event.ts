import { deliverReply, presentResumed } from './deliver-reply.js';
import type { ResumedRun } from './deliver-reply.js';
import { replyThread, workflowsResumedInstead } from '../../core/waits/reply-thread.js';
import type { Logger } from 'pino';
import { isTransientConnectError } from '../../adapters/db/connect.js';
import { pipelinedTransaction } from '../../adapters/db/pipelined-transaction.js';
import type { Sql, Tx } from '../../adapters/db/connect.js';
import {
  markEventAttemptFailed, markEventProcessed, markEventsProcessed, pendingEventsById, refundEventAttempts, startEventAttempts, tryLockRepositoryTrigger,
} from '../../adapters/db/events.js';
import type { EventRow } from '../../adapters/db/events.js';
import { getRepository } from '../../adapters/db/repositories.js';
import type { RepositoryRow } from '../../adapters/db/repositories.js';
import type { GitRepository } from '../../adapters/git/index.js';
import type { ParsedFile } from '../../core/language/model.js';
import type { MatchedWorkflow, MatchResult, TriggerEvent } from '../../core/match/event.js';
import type { PushPayload } from '../ingest/record-ref-updates.js';
import type { EventPlan } from './event-plan.js';
import { planHostEvent, planPullRequest } from './plan-host-event.js';
import type { HostPayload, PullRequestPayload } from './plan-host-event.js';
import { planPush } from './plan-push.js';
import { planSchedule } from './plan-schedule.js';
import type { SchedulePayload } from './plan-schedule.js';
import { planWorkflowRun } from './plan-workflow-run.js';
import type { WorkflowRunPayload } from '../../core/trigger/workflow-run.js';
import { recordAudit } from '../../adapters/db/audit.js';
import { writeRuns, writeRunsOfEvents } from './write-runs.js';
import type { WrittenRun } from './write-runs.js';
import { eventDiagnostics } from '../../core/trigger/event-diagnostics.js';
import { recordWorkflowFileErrors } from './file-statuses.js';
import type { WorkflowSource } from './workflow-source.js';
import { mapLimit } from '../../core/async/map-limit.js';
import { PermanentEventError, classifyEventFailure, payloadProblem } from '../../core/trigger/event-failure.js';
import { retryDelayMs } from '../../core/trigger/retry-backoff.js';
import { asError } from '../../logger.js';

export interface TriggerDeps {
  sql: Sql;
  source: WorkflowSource;
  log: Logger;
  /** The repository's git, when this process has found it on disk. */
  gitOf(repo: RepositoryRow): Promise<GitRepository | null>;
  maxChangedFiles: number;
  maxAttempts: number;
  /** PLUE_DISPATCH_MAX_DEPTH: an event deeper than this in its chain of handoffs starts nothing (the loop guard). */
  maxDispatchDepth: number;
  /** How long a transiently failed event waits after its `attempt`-th attempt; default exponential backoff with jitter. */
  retryDelayMs?(attempt: number): number;
  /** Runs one event may start; the workflows past it are skipped, saying why. Default 256. */
  maxRunsPerEvent?: number;
  /** Matches an event against workflow files (in the service: in the untrusted-work pool, within its budget). */
  match(event: TriggerEvent, files: ParsedFile[]): Promise<MatchResult>;
  /** The service's clock (a new schedule counts from now); tests move it. Default: the system clock. */
  clock?(): Date;
  /** The repository is in the database but not found on disk by this process (yet). */
  onRepositoryUnknown?(repo: RepositoryRow): void;
}

export type TriggerOutcome = 'none' | 'busy' | 'processed' | 'retry';

const BATCH = 16;
const PLAN_CONCURRENCY = 4;

/**
 * Triggers a repository's oldest pending events (up to a batch), in one transaction: definitions, runs, jobs,
 * tasks and the events' processed marks commit together or not at all. Git is read for the whole batch
 * concurrently; the writes then happen in event order. The advisory lock keeps a repository's events in order
 * across replicas.
 */
export async function triggerNextEvents(deps: TriggerDeps, repositoryId: number): Promise<TriggerOutcome> {
  return (await triggerNextBatch(deps, repositoryId)).outcome;
}

/**
 * triggerNextEvents, and whether the batch was full: when it was not, no other event was due as it started, and
 * the caller need not ask again (an event recorded since comes with its own kick, or the poll finds it). A
 * catch-up of 1,000 repositories with one event each saves a transaction each.
 */
export async function triggerNextBatch(deps: TriggerDeps, repositoryId: number): Promise<{ outcome: TriggerOutcome; full: boolean }> {
  // BEGIN goes with the lock, COMMIT with the attempts' update: 3 round trips, not 5.
  const started = await pipelinedTransaction(deps.sql, async (tx, commitWith) =>
    (await tryLockRepositoryTrigger(tx, repositoryId))
      ? startEventAttempts(tx, repositoryId, BATCH, deps.maxAttempts, deps.retryDelayMs ?? retryDelayMs, commitWith)
      : null);
  if (started === null) return { outcome: 'busy', full: false };
  if (started.length === 0) return { outcome: 'none', full: false };
  const outcome = await triggerInTransaction(deps, repositoryId, started);
  // Nothing was tried (another replica took the lock, or this one has not found the repository yet): the
  // attempts counted for the batch are given back.
  if (outcome === 'busy') await refundEventAttempts(deps.sql, started);
  return { outcome, full: started.length === BATCH };
}

async function triggerInTransaction(deps: TriggerDeps, repositoryId: number, started: number[]): Promise<TriggerOutcome> {
  return deps.sql.begin(async (tx) => {
    if (!(await tryLockRepositoryTrigger(tx, repositoryId))) return 'busy';
    const [events, repo] = await Promise.all([pendingEventsById(tx, started), getRepository(tx, repositoryId)]);
    if (events.length === 0) return 'none';
    const git = repo === null ? null : await deps.gitOf(repo);
    if (repo?.state === 'active' && git === null) {
      // This process hasn't found the repository on disk yet (another replica has): not the event's fault.
      deps.onRepositoryUnknown?.(repo);
      return 'busy';
    }
    const plans = await mapLimit(events, PLAN_CONCURRENCY, (event) => planWellFormed(deps, repo, git, event).catch((error: unknown) => error));
    // Each event is matched once, whether it is then written with others or alone.
    const matches: Array<Promise<MatchResult>> = [];
    const matchOf = (i: number) => (matches[i] ??= matchPlan(deps, plans[i] as EventPlan));
    let batching = repo !== null;
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      const plan = plans[i];
      const together = batching ? await matchedCount(matchOf, i, batchedCount(events, plans, i)) : 0;
      if (together > 1) {
        try {
          // Events alike are written together: one statement for all their runs, one for their processed marks.
          // Should that fail, they go one by one below, each in its savepoint, so the failure is one event's.
          const decided = await Promise.all(events.slice(i, i + together).map((_, k) => matchOf(i + k)));
          await tx.savepoint((sp) => writePlans(deps, sp, repo!, events.slice(i, i + together), plans.slice(i, i + together) as EventPlan[], decided));
          i += together - 1;
          continue;
        } catch (error) {
          if (isTransientConnectError(error)) throw error;
          batching = false;
        }
      }
      let failure: unknown = plan;
      if (!(plan instanceof Error) && plan !== undefined && repo !== null) {
        try {
          // A savepoint per event: a write that breaks a rule (a unique key, say) costs that event an attempt,
          // not the whole batch, and never blocks the repository's later events for good.
          await tx.savepoint(async (sp) => writePlan(deps, sp, repo, event, plan as EventPlan, await matchOf(i)));
          continue;
        } catch (error) {
          if (isTransientConnectError(error)) throw error;
          failure = error;
        }
      }
      const message = failure instanceof Error ? failure.message : String(failure);
      const permanent = classifyEventFailure(failure) === 'permanent';
      const ended = await markEventAttemptFailed(tx, event.id, {
        error: message, permanent, retryDelayMs: (deps.retryDelayMs ?? retryDelayMs)(event.attempts),
      }, deps.maxAttempts);
      deps.log.warn({ repository: repoName(repo), event: event.id, attempt: event.attempts, permanent, err: asError(failure) },
        ended === 'failed' ? 'event could not be triggered: dead-lettered' : 'event could not be triggered: will retry');
      await refundEventAttempts(tx, events.slice(i + 1).map((e) => e.id));
      return 'retry'; // later events wait: a repository's events are triggered in order
    }
    return 'processed';
  });
}

/** A malformed payload fails its event for good, before any git is read. */
async function planWellFormed(deps: TriggerDeps, repo: RepositoryRow | null, git: GitRepository | null, event: EventRow): Promise<EventPlan> {
  const problem = payloadProblem(event.kind, event.payload);
  if (problem !== null) throw new PermanentEventError(problem);
  return planEvent(deps, repo, git, event);
}

async function planEvent(deps: TriggerDeps, repo: RepositoryRow | null, git: GitRepository | null, event: EventRow): Promise<EventPlan> {
  if (!repo) throw new Error(`repository ${event.repository_id} not found`);
  if (git === null) throw new Error(`repository ${repoName(repo)} is not on disk at ${repo.path}`);
  const options = { maxChangedFiles: deps.maxChangedFiles, defaultBranch: repo.default_branch };
  switch (event.kind) {
    case 'push':
      return planPush(git, event.payload as PushPayload, deps.source, options);
    case 'pull_request':
      return planPullRequest(git, event.payload as PullRequestPayload, deps.source, options);
    case 'issue':
    case 'chat':
    case 'dispatch':
      return planHostEvent(git, event.kind, event.payload as HostPayload, deps.source, repo.default_branch);
    case 'schedule':
      return planSchedule(git, event.payload as unknown as SchedulePayload, deps.source, repo.default_branch);
    case 'workflow_run':
      return planWorkflowRun(git, {
        id: event.id, payload: event.payload as unknown as WorkflowRunPayload, chain: { parent_run_id: event.parent_run_id, depth: event.depth },
      }, deps.source, repo.default_branch, deps.maxDispatchDepth);
    default:
      throw new Error(`events of kind ${event.kind} cannot be triggered from the event record`);
  }
}

/**
 * How many events from `start` on can be written together (writePlans): planned, with nothing to write but their
 * runs and marks (no reply to a waiting run, no file error to report, no audit), and describing the same
 * definitions as the first (the same files, and each the default branch or none of them).
 */
function batchedCount(events: readonly EventRow[], plans: readonly unknown[], start: number): number {
  const first = plans[start];
  if (!isPlain(first)) return 0;
  const files = fileIds(first);
  let count = 0;
  for (let i = start; i < events.length; i++) {
    const plan = plans[i];
    const event = events[i]!;
    if (!isPlain(plan) || replyThread(event.kind, plan.runPayload) !== null) break;
    if (plan.describesDefaultBranch !== first.describesDefaultBranch || fileIds(plan) !== files) break;
    count++;
  }
  return count;
}

function isPlain(plan: unknown): plan is EventPlan {
  if (plan === undefined || plan instanceof Error) return false;
  const p = plan as EventPlan;
  return (p.audit ?? []).length === 0 && !(p.match.kind === 'push' && p.files.some((f) => f.diagnostics.some((d) => d.severity === 'error')));
}

const fileIds = (plan: EventPlan) => plan.files.map((f) => `${f.path}\0${f.blobSha}`).join('\0');

/** Of `count` events from `start`, how many in a row were matched without an error (the first that was not goes alone). */
async function matchedCount(matchOf: (i: number) => Promise<MatchResult>, start: number, count: number): Promise<number> {
  if (count < 2) return count;
  const settled = await Promise.allSettled(Array.from({ length: count }, (_, k) => matchOf(start + k)));
  const failed = settled.findIndex((s) => s.status === 'rejected');
  return failed === -1 ? count : failed;
}

/** Events `batchedCount` found alike, written with one statement for their runs and one for their marks. */
async function writePlans(
  deps: TriggerDeps, tx: Tx, repo: RepositoryRow, events: readonly EventRow[], plans: readonly EventPlan[], decided: readonly MatchResult[],
): Promise<void> {
  const now = deps.clock?.() ?? new Date();
  const runs = await writeRunsOfEvents(tx, repo, events.map((event, i) => ({
    eventId: event.id, plan: plans[i]!, matched: decided[i]!.matched, extra: { now, chain: { parent_run_id: event.parent_run_id, depth: event.depth } },
  })));
  await markEventsProcessed(tx, events.map((event, i) => {
    const diagnostics = eventDiagnostics(plans[i]!.files);
    return { id: event.id, result: { runs: runs[i], skipped: decided[i]!.skipped, ...(diagnostics.length > 0 ? { diagnostics } : {}) } };
  }));
  events.forEach((event, i) => logWritten(deps, repo, event, plans[i]!, runs[i]!, decided[i]!.skipped, []));
}

function matchPlan(deps: TriggerDeps, plan: EventPlan): Promise<MatchResult> {
  return deps.match(plan.match, plan.files).then((result) => capRuns(narrowToWorkflow(result, plan), deps.maxRunsPerEvent ?? 256));
}

async function writePlan(deps: TriggerDeps, tx: Tx, repo: RepositoryRow, event: EventRow, plan: EventPlan, matched: MatchResult): Promise<void> {
  const resumed = await deliverReply(tx, repo.id, { id: event.id, kind: event.kind, payload: plan.runPayload });
  const instead = workflowsResumedInstead(matched.matched, resumed.map((r) => r.run));
  const result = { matched: instead.start, skipped: [...matched.skipped, ...instead.skipped] };
  const runs = await writeRuns(tx, repo, event.id, plan, result.matched, {
    now: deps.clock?.() ?? new Date(), chain: { parent_run_id: event.parent_run_id, depth: event.depth },
  });
  if (event.kind === 'push') await recordWorkflowFileErrors(tx, repo.id, plan);
  for (const entry of plan.audit ?? []) await recordAudit(tx, { ...entry, repository_id: repo.id });
  const diagnostics = eventDiagnostics(plan.files);
  await markEventProcessed(tx, event.id, {
    runs, skipped: result.skipped, ...(resumed.length > 0 ? { resumed: presentResumed(resumed) } : {}), ...(diagnostics.length > 0 ? { diagnostics } : {}),
  });
  logWritten(deps, repo, event, plan, runs, result.skipped, resumed);
}

function logWritten(
  deps: TriggerDeps, repo: RepositoryRow, event: EventRow, plan: EventPlan, runs: readonly WrittenRun[], skipped: MatchResult['skipped'], resumed: ResumedRun[],
): void {
  deps.log.info({
    repository: repoName(repo), event: event.id, kind: event.kind, source: event.source, ref: plan.ref,
    ...(event.kind === 'push' ? { before: (event.payload as PushPayload).before, after: (event.payload as PushPayload).after } : {}),
    matched: runs.map((r) => `${r.path}:${r.name} #${r.run_number}`), skipped,
    ...(resumed.length > 0 ? { resumed: resumed.map((r) => `#${r.run.run_number}`) } : {}),
  }, `${plan.summary}: ${runs.length} run(s)${resumed.length > 0 ? `, a reply to ${resumed.length} run(s)` : ''}`);
}

function narrowToWorkflow(result: MatchResult, plan: EventPlan): MatchResult {
  const only = plan.onlyWorkflow;
  if (only === undefined) return result;
  const functionOf = (m: MatchedWorkflow) => plan.files.find((f) => f.path === m.path)?.workflows.find((w) => w.name === m.name)?.function;
  const wanted = typeof only === 'string'
    ? (m: MatchedWorkflow) => m.name === only || m.path === only || functionOf(m) === only
    : (m: MatchedWorkflow) => m.path === only.path && functionOf(m) === only.function;
  const described = typeof only === 'string' ? `\`${only}\`` : `\`${only.function}\` of ${only.path}`;
  return {
    matched: result.matched.filter(wanted),
    skipped: [...result.skipped, ...result.matched.filter((m) => !wanted(m)).map((m) => ({ ...m, reason: `not the requested workflow ${described}` }))],
  };
}

/** At most `max` runs from one event: a branch with thousands of workflows must not flood the runners. */
function capRuns(result: MatchResult, max: number): MatchResult {
  if (result.matched.length <= max) return result;
  const reason = `not started: one event starts at most ${max} runs (PLUE_MAX_RUNS_PER_EVENT), and ${result.matched.length} workflows matched`;
  return {
    matched: result.matched.slice(0, max),
    skipped: [...result.skipped, ...result.matched.slice(max).map((m) => ({ ...m, reason }))],
  };
}

function repoName(repo: RepositoryRow | null): string {
  return repo ? `${repo.owner}/${repo.name}` : '?';
}

