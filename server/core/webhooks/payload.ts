// The body of each webhook event, made when the outbox row is expanded: `action` is the state at the change (the
// outbox row); the rest is the run, job or status as read then. GitHub-like: the subject, its run, the repository.
// docs/api.md, "Webhooks", documents these shapes.

export type WebhookEvent = 'run' | 'job' | 'status';
export const WEBHOOK_EVENTS: readonly WebhookEvent[] = ['run', 'job', 'status'];

export interface OutboxChange {
  outbox_id: number;
  kind: WebhookEvent;
  /** The new state at the change: a run's or job's status name, a commit status's state. */
  state: string;
  changed_at: Date;
  repository: { id: number; owner: string; name: string };
  run: null | {
    id: number; run_number: number; title: string; workflow_name: string; workflow_path: string; function_name: string;
    trigger_event: string; ref: string; commit_sha: string; created_at: Date; started_at: Date | null; stopped_at: Date | null;
  };
  job: null | { id: number; name: string; job_id: string; attempt: number; started_at: Date | null; stopped_at: Date | null };
  status: null | { id: number; sha: string; context: string; state: string; description: string; target_path: string | null; created_at: Date };
  /** For the wait actions: the wait, as read when the change is made into deliveries. */
  wait: null | {
    id: number; name: string; wait_key: string; filters: Record<string, unknown> | null; started_at: Date; deadline: Date;
    resolved_at: Date | null; timed_out: boolean; event_id: number | null;
  };
}

/** The `run` actions of a wait (migration 0015), beside the run's status names. */
export const WAIT_ACTIONS = ['waiting_for_event', 'resumed'] as const;

export interface WebhookPayload {
  event: WebhookEvent;
  action: string;
  run_id: number | null;
  /** The exact text sent and signed, the same on every attempt. */
  body: string;
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

function presentRun(run: NonNullable<OutboxChange['run']>, status: string | null, serverUrl: string, repo: OutboxChange['repository']) {
  return {
    id: run.id,
    run_number: run.run_number,
    title: run.title,
    workflow: { name: run.workflow_name, path: run.workflow_path, function: run.function_name },
    event: run.trigger_event,
    ref: run.ref,
    head_sha: run.commit_sha,
    ...(status === null ? {} : { status }),
    created_at: iso(run.created_at),
    started_at: iso(run.started_at),
    stopped_at: iso(run.stopped_at),
    url: `${serverUrl}/api/repos/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.name)}/runs/${run.id}`,
  };
}

export function webhookPayload(change: OutboxChange, serverUrl: string): WebhookPayload {
  const repository = { id: change.repository.id, owner: change.repository.owner, name: change.repository.name, full_name: `${change.repository.owner}/${change.repository.name}` };
  const base = { action: change.state };
  let body: Record<string, unknown>;
  if (change.kind === 'run' && change.wait !== null) {
    // A wait happens while the run runs; its own status stays `running`.
    const wait = change.wait;
    body = {
      ...base,
      wait: {
        name: wait.name, key: wait.wait_key, filters: wait.filters, since: iso(wait.started_at), until: iso(wait.deadline),
        ...(change.state === 'resumed' ? { resumed_at: iso(wait.resolved_at), outcome: wait.timed_out ? 'timed_out' : 'event', event_id: wait.event_id } : {}),
      },
      run: change.run && presentRun(change.run, 'running', serverUrl, change.repository), repository,
    };
  } else if (change.kind === 'run') {
    body = { ...base, run: change.run && presentRun(change.run, change.state, serverUrl, change.repository), repository };
  } else if (change.kind === 'job') {
    const job = change.job && {
      id: change.job.id, run_id: change.run?.id ?? null, name: change.job.name, job_id: change.job.job_id, attempt: change.job.attempt,
      status: change.state, started_at: iso(change.job.started_at), stopped_at: iso(change.job.stopped_at),
    };
    body = { ...base, job, run: change.run && presentRun(change.run, null, serverUrl, change.repository), repository };
  } else {
    const status = change.status && {
      id: change.status.id, sha: change.status.sha, context: change.status.context, state: change.status.state,
      description: change.status.description,
      target_url: change.status.target_path === null ? null : `${serverUrl}${change.status.target_path}`,
      created_at: iso(change.status.created_at),
    };
    body = { ...base, status, run: change.run && presentRun(change.run, null, serverUrl, change.repository), repository };
  }
  body.changed_at = iso(change.changed_at);
  return { event: change.kind, action: change.state, run_id: change.run?.id ?? null, body: JSON.stringify(body) };
}
