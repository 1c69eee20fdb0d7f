-- Schedules that fire, concurrency groups with GitHub's queueing, and why a run was cancelled.

-- One row per schedule of an active workflow on the default branch, kept in step with the definitions.
-- The scheduler takes due rows with SKIP LOCKED; what makes a firing happen once is the event's dedup key
-- (`schedule:<definition>:<timezone>:<cron>:<instant>`), so replicas and restarts cannot fire an instant twice.
create table workflow_schedules (
  id bigint generated always as identity primary key,
  repository_id bigint not null references repositories (id) on delete cascade,
  workflow_definition_id bigint not null references workflow_definitions (id) on delete cascade,
  cron text not null,
  timezone text not null,
  -- Instants up to here were fired or passed over; the next look covers (checked_through, now].
  checked_through timestamptz not null,
  -- The first instant after checked_through, or null until the scheduler has worked it out.
  next_at timestamptz,
  last_instant timestamptz,
  last_event_id bigint references events (id) on delete set null,
  created_at timestamptz not null default now(),
  unique (workflow_definition_id, timezone, cron)
);
create index workflow_schedules_due_idx on workflow_schedules (next_at nulls first);
create index workflow_schedules_repository_idx on workflow_schedules (repository_id);

-- `queue`: 'single' keeps one pending run per group (a newer one replaces it), 'max' keeps up to 100 in order.
alter table workflow_runs
  add column concurrency_queue text not null default 'single' check (concurrency_queue in ('single', 'max')),
  add column cancel_reason text;

-- A group's runs in order, for admission and for starting the next one.
create index workflow_runs_group_order_idx on workflow_runs (repository_id, concurrency_group, id)
  where concurrency_group is not null and status in (5, 6, 7);
drop index workflow_runs_concurrency_idx;
