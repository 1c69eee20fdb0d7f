-- The user's API (docs/api.md): API tokens, and re-runs.
--
-- An API token is random; only its SHA-256 is stored. `scope` is `admin` (every repository) or
-- `repo:<owner>/<name>` (one repository, named rather than referenced, so a token can be made before the
-- repository is first seen). A read-only token may only read.
create table api_tokens (
  id bigint generated always as identity primary key,
  name text not null default '',
  token_hash text not null unique,
  scope text not null check (scope = 'admin' or scope ~ '^repo:[^/]+/[^/]+$'),
  read_only boolean not null default false,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);

-- A re-run is a new run (new id and number) with the original's commit, workflow source and payload.
-- rerun_of: the run it was made from; original_run_id: the first run of the chain (null for a first run);
-- run_attempt: 1 for a first run, then 2, 3… along the chain, numbered under the original run's row lock.
alter table workflow_runs
  add column rerun_of bigint references workflow_runs (id) on delete set null,
  add column original_run_id bigint references workflow_runs (id) on delete set null,
  add column run_attempt integer not null default 1;
create index workflow_runs_original_idx on workflow_runs (original_run_id) where original_run_id is not null;

-- The run list filters by these.
create index workflow_runs_repository_status_idx on workflow_runs (repository_id, status, id desc);
