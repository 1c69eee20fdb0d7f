// The runner protocol's messages as a runner sees them (docs/runners.md). Kept apart from the server's code so the
// reference runner depends on the wire format only.

export interface RegisteredRunner {
  runner: { id: number; name: string; labels: string[] };
  token: string;
}

export interface Task {
  id: number;
  attempt: number;
  token: string;
  lease_expires_at: string;
  lease_seconds: number;
  repository: { id: number; owner: string; name: string };
  run: { id: number; number: number };
  job: { id: number; name: string };
  ref: string;
  sha: string;
  workflow: { name: string; path: string; function: string; source: string };
  event: { name: string; payload: Record<string, unknown> };
  inputs: Record<string, unknown>;
  archive_url: string;
  /** The commit as a git pack (no history): a shallow checkout of it. */
  pack_url: string;
  /** The run's context files (a dispatch's), inline when they are small... */
  context?: Record<string, string>;
  /** ...or where to fetch them (JSON, file name → text) with the task token. */
  context_url?: string;
}

/** What a task asks for when it hands work to another workflow (`POST /api/runners/tasks/:id/dispatches`). */
export interface DispatchBody {
  workflow: string;
  ref?: string;
  payload?: unknown;
  context?: Record<string, string>;
}

export interface DispatchedRun {
  run_id: number;
  run_number: number;
  status: string;
  workflow: { name: string; path: string; function: string };
  ref: string;
  sha: string;
  context_files: string[];
}

/** A wait for an event raised for the task's run (`POST /api/runners/tasks/:id/waits`). */
export interface WaitBody {
  name: string;
  /** The n-th wait for this name in the run (`approval#1`): a later attempt's same wait gets the same event. */
  wait_key: string;
  filters?: Record<string, unknown> | null;
  timeout_seconds: number;
  wait_seconds?: number;
}

export interface WaitReply {
  event: { id: number; name: string; payload: unknown; raised_at: string } | null;
  deadline: string;
  timed_out?: boolean;
}

/** What a task asks for when an external system is to complete it (`POST /api/runners/tasks/:id/handoff`). */
export interface HandoffBody {
  external_ref?: string;
  timeout_seconds: number;
}

/** The completion token and where to use it: paths on the server, as `archive_url`. */
export interface HandedOff {
  task_id: number;
  status: 'submitted';
  external_ref: string | null;
  completion_token: string;
  complete_url: string;
  fail_url: string;
  deadline: string;
}

export interface Heartbeat {
  lease_expires_at: string;
  cancelled: boolean;
}

export type FinalStatus = 'success' | 'failure' | 'cancelled';

/** One final status of several sent together: recorded, or refused with the error a status request would get. */
export type StatusOutcome =
  | { id: number; status: FinalStatus; attempt: number; started_at: string; stopped_at: string }
  | { id: number; error: { code: string; message: string; details: Record<string, unknown> | null } };
