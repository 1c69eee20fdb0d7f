import { anyJson, id, nullableTimestamp, timestamp } from './common.js';

// The shapes of workflows, runs, jobs and tasks in replies.

const STATUSES = ['unknown', 'success', 'failure', 'cancelled', 'skipped', 'waiting', 'running', 'blocked'] as const;
export const status = { type: 'string', enum: STATUSES } as const;
const nullableId = { type: ['integer', 'null'] } as const;
const duration = { type: ['integer', 'null'], description: 'milliseconds from start to stop, once both are known' } as const;

export const workflow = {
  type: 'object',
  description: 'a workflow of the default branch',
  properties: {
    id,
    html_url: { type: 'string', description: "the workflow's page on the dashboard" },
    name: { type: 'string' },
    path: { type: 'string' },
    function: { type: ['string', 'null'], description: 'null for a file that yields no workflow (see diagnostics)' },
    state: { type: 'string', enum: ['active', 'invalid', 'deleted'] },
    events: { type: 'array', items: { type: 'string' } },
    triggers: { type: 'array', items: anyJson },
    agent: { type: 'boolean' },
    runs_on: { type: 'array', items: { type: 'string' } },
    diagnostics: { type: 'array', items: anyJson },
    file_sha: { type: 'string' },
    created_at: timestamp,
    updated_at: timestamp,
  },
} as const;

export const workflowList = {
  type: 'object',
  description: 'one page of workflows',
  properties: { total_count: { type: 'integer' }, workflows: { type: 'array', items: workflow } },
} as const;

export const run = {
  type: 'object',
  description: 'a run',
  properties: {
    id,
    html_url: { type: 'string', description: "the run's page on the dashboard" },
    run_number: { type: 'integer' },
    run_attempt: { type: 'integer', description: '1, then 2, 3… for re-runs' },
    rerun_of: { ...nullableId, description: 'the run this one re-runs' },
    original_run_id: { ...nullableId, description: 'the first run of a chain of re-runs' },
    workflow: {
      type: 'object',
      properties: { id: nullableId, name: { type: 'string' }, path: { type: 'string' }, function: { type: 'string' } },
    },
    event: { type: 'string' },
    event_id: nullableId,
    parent_run_id: { ...nullableId, description: 'the run whose handoff (a dispatch from its task, or its end for workflow_run) started this one' },
    depth: { type: 'integer', description: 'handoffs that led to this run: 0 for pushes, host events and people' },
    ref: { type: 'string' },
    commit_sha: { type: 'string' },
    title: { type: 'string' },
    status,
    status_reason: {
      type: ['string', 'null'],
      description: 'why a blocked run waits ("waiting for run #12 of group deploy-main"), why a run was cancelled, or what event a running run waits for ("waiting for `approval` since 2026-11-30 10:42 UTC, until 2026-11-30 11:42 UTC")',
    },
    cancel_requested: { type: 'boolean' },
    concurrency: {
      type: ['object', 'null'],
      description: 'the concurrency group, when the workflow names one',
      properties: {
        group: { type: 'string' },
        cancel_in_progress: { type: 'boolean' },
        queue: { type: 'string', enum: ['single', 'max'] },
        waiting_for: {
          type: ['object', 'null'], description: 'for a blocked run: the group\'s run in progress',
          properties: { id, run_number: { type: 'integer' } },
        },
        ahead: { type: ['integer', 'null'], description: 'for a blocked run: pending runs of the group before it' },
      },
    },
    waiting_for: {
      type: ['object', 'null'],
      description: 'the event the workflow waits for right now (`ctx.wait_for`), since when and until when; null otherwise',
      properties: { name: { type: 'string' }, since: timestamp, until: timestamp },
    },
    created_at: timestamp,
    updated_at: timestamp,
    started_at: nullableTimestamp,
    stopped_at: nullableTimestamp,
    duration_ms: duration,
  },
} as const;

export const runList = {
  type: 'object',
  description: 'one page of runs, newest first',
  properties: { total_count: { type: 'integer' }, runs: { type: 'array', items: run } },
} as const;

const task = {
  type: 'object',
  description: 'one attempt of a job',
  properties: {
    id,
    attempt: { type: 'integer' },
    status,
    runner: { type: ['object', 'null'], properties: { id: nullableId, name: { type: ['string', 'null'] } } },
    end_reason: { type: ['string', 'null'], enum: ['runner', 'lease_expired', 'cancelled', 'external', 'external_timeout', null] },
    waiting_on: { type: ['string', 'null'], description: 'what a running task handed off to an external system waits for' },
    external: {
      type: ['object', 'null'],
      description: 'the handoff to an external system, when the task made one',
      properties: {
        ref: { type: ['string', 'null'] }, handed_off_at: timestamp, deadline: timestamp,
        output: { description: 'what the external system sent with its completion' },
      },
    },
    log_lines: { type: 'integer' },
    log_truncated: { type: 'boolean' },
    created_at: timestamp,
    started_at: nullableTimestamp,
    stopped_at: nullableTimestamp,
    duration_ms: duration,
  },
} as const;

const job = {
  type: 'object',
  properties: {
    id,
    name: { type: 'string' },
    function: { type: 'string' },
    status,
    attempt: { type: 'integer', description: 'the latest attempt' },
    runs_on: { type: 'array', items: { type: 'string' } },
    fitting_runners: {
      type: ['integer', 'null'],
      description: 'a waiting job: how many online runners carry all its runs_on labels (0: none can take it now); null otherwise',
    },
    created_at: timestamp,
    started_at: nullableTimestamp,
    stopped_at: nullableTimestamp,
    duration_ms: duration,
    tasks: { type: 'array', items: task },
  },
} as const;

export const runDetail = {
  type: 'object',
  description: 'a run with its jobs and their attempts',
  properties: {
    ...run.properties,
    payload: { ...anyJson, description: 'the event as the runs see it' },
    inputs: { type: 'object', additionalProperties: true, description: 'the inputs of a manual run' },
    children: {
      type: 'array', description: 'the runs this run started (dispatches from its tasks), oldest first (at most 1,000)',
      items: { type: 'object', properties: { id, run_number: { type: 'integer' }, workflow: { type: 'string' }, status: { type: 'string' } } },
    },
    jobs: { type: 'array', items: job },
  },
} as const;

export const runLogs = {
  type: 'object',
  description: 'log lines of each job',
  properties: {
    run_id: id,
    tasks: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          task_id: id,
          job_id: id,
          job_name: { type: 'string' },
          attempt: { type: 'integer' },
          status,
          log_lines: { type: 'integer', description: 'lines received so far' },
          truncated: { type: 'boolean', description: 'the log hit its limits and later lines were dropped' },
          next_offset: { type: ['integer', 'null'], description: 'where to continue with ?offset=, or null at the end' },
          lines: {
            type: 'array',
            items: { type: 'object', properties: { line: { type: 'integer' }, step: { type: 'string' }, content: { type: 'string' } } },
          },
        },
      },
    },
  },
} as const;
