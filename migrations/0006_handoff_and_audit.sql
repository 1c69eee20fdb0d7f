-- Handoff between workflows, retries and dead letters for events, and the audit trail (issue 11).

-- The chain an event belongs to: the run that caused it (a dispatch from a task, a workflow_run) and how deep it
-- is (0 for pushes and people). Runs inherit both from their event.
alter table events
  add column parent_run_id bigint references workflow_runs (id) on delete set null,
  add column depth integer not null default 0 check (depth >= 0),
  -- A transient failure is tried again from this time (exponential backoff with jitter); null: at once.
  add column next_attempt_at timestamptz;
drop index events_pending_idx;
create index events_pending_idx on events (repository_id, id) where status = 'pending';
create index events_failed_idx on events (repository_id, id desc) where status = 'failed';

alter table workflow_runs
  add column parent_run_id bigint references workflow_runs (id) on delete set null,
  add column depth integer not null default 0 check (depth >= 0);
create index workflow_runs_parent_idx on workflow_runs (parent_run_id) where parent_run_id is not null;

-- Files handed to the runs of a dispatch, stored once with its event (names are plain file names, checked).
create table event_context_files (
  event_id bigint not null references events (id) on delete cascade,
  name text not null,
  content text not null,
  primary key (event_id, name)
);

-- Append-only: what was decided, by whom, when. `actor` names who asked (an API token, a runner's task, the
-- service itself); `subject` what it was about (runs, events, tokens); `detail` the rest.
create table audit_events (
  id bigint generated always as identity primary key,
  repository_id bigint references repositories (id),
  kind text not null,
  actor jsonb not null,
  subject jsonb not null default '{}',
  detail jsonb not null default '{}',
  created_at timestamptz not null default now()
);
create index audit_events_repository_idx on audit_events (repository_id, id desc);
create index audit_events_kind_idx on audit_events (repository_id, kind, id desc);

create function audit_events_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'audit_events is append-only';
end
$$;
create trigger audit_events_append_only before update or delete on audit_events
  for each statement execute function audit_events_append_only();
