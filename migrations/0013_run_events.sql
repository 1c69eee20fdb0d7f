-- Runs that wait for an event (issue 16, docs/workflows.md "Waiting for an event").
--
-- An event raised for a run is kept in run_events until a wait of the run takes it, so an event raised before the
-- workflow reaches its `wait_for` is not lost. A wait is "the n-th `wait_for(name)` of the run" (`wait_key`, e.g.
-- `approval#1`): a retried attempt asks again with the same key, finds its row and so receives the same event.

create table run_events (
  id bigint generated always as identity primary key,
  repository_id bigint not null references repositories (id) on delete cascade,
  run_id bigint not null references workflow_runs (id) on delete cascade,
  name text not null,
  payload jsonb not null default 'null',
  -- A raise repeated with the same Idempotency-Key records nothing new.
  idempotency_key text,
  -- Who raised it: `api` today.
  source text not null,
  -- The reply to the raise, answered again to a raise repeated with its Idempotency-Key.
  reply jsonb not null,
  created_at timestamptz not null default now(),
  unique (run_id, idempotency_key)
);
create index run_events_run_name_idx on run_events (run_id, name, id);

create table run_waits (
  id bigint generated always as identity primary key,
  run_id bigint not null references workflow_runs (id) on delete cascade,
  -- The task and attempt that asked first; a later attempt's same wait keeps the row.
  task_id bigint not null references workflow_tasks (id) on delete cascade,
  attempt integer not null,
  wait_key text not null,
  name text not null,
  filters jsonb,
  started_at timestamptz not null default now(),
  deadline timestamptz not null,
  -- The event this wait received: once bound, always the same one.
  event_id bigint references run_events (id),
  resolved_at timestamptz,
  timed_out boolean not null default false,
  unique (run_id, wait_key),
  unique (event_id)
);
