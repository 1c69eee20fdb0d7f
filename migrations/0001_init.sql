-- plue-trigger initial schema. Forward only: later changes go in new files.
--
-- Status columns are smallint (see server/adapters/db/status.ts):
--   0 unknown, 1 success, 2 failure, 3 cancelled, 4 skipped, 5 waiting, 6 running, 7 blocked.
-- updated_at is maintained by the touch_updated_at trigger on every UPDATE.

create function touch_updated_at() returns trigger language plpgsql as $$
begin
  new.updated_at := now();
  return new;
end
$$;

create table repositories (
  id bigint generated always as identity primary key,
  owner text not null,
  name text not null,
  path text not null, -- absolute path of the repository on disk
  default_branch text,
  state text not null default 'active' check (state in ('active', 'removed')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (owner, name)
);
create trigger repositories_touch before update on repositories
  for each row execute function touch_updated_at();

-- Run numbers are taken with
--   update repository_counters set next_run_number = next_run_number + 1
--   where repository_id = $1 returning next_run_number - 1 as run_number
-- The row lock serialises concurrent takers; never use max(run_number) + 1.
-- The row is created with its repository, so the UPDATE always finds it.
create table repository_counters (
  repository_id bigint primary key references repositories (id) on delete cascade,
  next_run_number bigint not null default 1
);

create function create_repository_counter() returns trigger language plpgsql as $$
begin
  insert into repository_counters (repository_id) values (new.id) on conflict do nothing;
  return new;
end
$$;
create trigger repositories_counter after insert on repositories
  for each row execute function create_repository_counter();

-- Last known sha of each ref (what the watcher compares against).
-- Last recorded state of each ref. A deleted ref keeps its row with sha null, so that its version goes on
-- counting: the version is part of a ref update's dedup key, and a ref can go A→B→A→B.
create table ref_states (
  repository_id bigint not null references repositories (id) on delete cascade,
  ref text not null,
  sha text,
  version bigint not null default 0,
  updated_at timestamptz not null default now(),
  primary key (repository_id, ref)
);

-- The durable record of every incoming event, whatever its kind. dedup_key
-- makes deliveries idempotent: for a ref update it is `ref:<refname>:<old>:<new>`,
-- so the watcher and the hook reporting the same update collide here.
create table events (
  id bigint generated always as identity primary key,
  repository_id bigint not null references repositories (id) on delete cascade,
  kind text not null, -- push, pull_request, issue, chat, manual, dispatch, schedule
  dedup_key text not null,
  payload jsonb not null,
  source text not null, -- watcher, hook, api, scheduler, ...
  status text not null default 'pending' check (status in ('pending', 'processed', 'failed')),
  attempts integer not null default 0,
  last_error text,
  -- what triggering decided: the runs started and each skipped workflow with its reason
  result jsonb,
  received_at timestamptz not null default now(),
  processed_at timestamptz,
  unique (repository_id, dedup_key)
);
create index events_pending_idx on events (repository_id, id) where status = 'pending';

-- Workflows found on the default branch, one row per decorated function.
-- A file that yields no workflow (e.g. it does not parse) gets one file-level
-- row with function_name = '' and state 'invalid', carrying its diagnostics.
create table workflow_definitions (
  id bigint generated always as identity primary key,
  repository_id bigint not null references repositories (id) on delete cascade,
  name text not null,
  file_path text not null,
  file_sha text not null,
  function_name text not null default '',
  line integer,
  events jsonb not null default '[]',
  triggers jsonb not null default '[]',
  diagnostics jsonb not null default '[]',
  runs_on jsonb not null default '[]',
  concurrency text,
  cancel_in_progress boolean not null default false,
  is_agent_workflow boolean not null default false,
  state text not null default 'active' check (state in ('active', 'invalid', 'deleted')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (repository_id, file_path, function_name)
);
create trigger workflow_definitions_touch before update on workflow_definitions
  for each row execute function touch_updated_at();

create table workflow_runs (
  id bigint generated always as identity primary key,
  repository_id bigint not null references repositories (id) on delete cascade,
  workflow_definition_id bigint references workflow_definitions (id) on delete set null,
  run_number bigint not null,
  title text not null default '',
  trigger_event text not null,
  trigger_user_id bigint,
  event_payload jsonb not null default '{}',
  ref text not null,
  commit_sha text not null,
  status smallint not null check (status between 0 and 7),
  concurrency_group text,
  concurrency_cancel boolean not null default false,
  event_id bigint references events (id) on delete set null,
  workflow_path text not null,
  workflow_name text not null,
  function_name text not null,
  started_at timestamptz,
  stopped_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (repository_id, run_number),
  -- second line of defence: one run per event and workflow, however often the event is processed
  unique (event_id, workflow_path, function_name)
);
create index workflow_runs_repository_idx on workflow_runs (repository_id, id desc);
create index workflow_runs_definition_idx on workflow_runs (workflow_definition_id);
create index workflow_runs_concurrency_idx on workflow_runs (repository_id, concurrency_group)
  where concurrency_group is not null and status in (5, 6, 7);
create trigger workflow_runs_touch before update on workflow_runs
  for each row execute function touch_updated_at();

create table workflow_jobs (
  id bigint generated always as identity primary key,
  run_id bigint not null references workflow_runs (id) on delete cascade,
  repository_id bigint not null references repositories (id) on delete cascade,
  name text not null,
  job_id text not null,
  needs jsonb not null default '[]',
  runs_on jsonb not null default '[]',
  status smallint not null check (status between 0 and 7),
  attempt integer not null default 1,
  started_at timestamptz,
  stopped_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (run_id, job_id)
);
create trigger workflow_jobs_touch before update on workflow_jobs
  for each row execute function touch_updated_at();

create table runners (
  id bigint generated always as identity primary key,
  name text not null,
  labels jsonb not null default '[]', -- array of strings; a task fits when labels @> runs_on
  token_hash text not null unique,
  version text,
  last_seen_at timestamptz,
  created_at timestamptz not null default now()
);

create table workflow_tasks (
  id bigint generated always as identity primary key,
  job_id bigint not null references workflow_jobs (id) on delete cascade,
  runner_id bigint references runners (id) on delete set null,
  attempt integer not null default 1,
  status smallint not null check (status between 0 and 7),
  repository_id bigint not null references repositories (id) on delete cascade,
  commit_sha text not null,
  workflow_content text not null,
  workflow_path text not null,
  function_name text not null,
  token_hash text unique,
  lease_expires_at timestamptz,
  started_at timestamptz,
  stopped_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index workflow_tasks_waiting_idx on workflow_tasks (id) where status = 5;
create index workflow_tasks_lease_idx on workflow_tasks (lease_expires_at) where status = 6;
create index workflow_tasks_job_idx on workflow_tasks (job_id);
create trigger workflow_tasks_touch before update on workflow_tasks
  for each row execute function touch_updated_at();

create table task_logs (
  task_id bigint not null references workflow_tasks (id) on delete cascade,
  step text not null default '',
  line_no integer not null,
  content text not null,
  created_at timestamptz not null default now(),
  primary key (task_id, step, line_no)
);
