-- Reporting back (issue 12): commit statuses, and the outbox every state change is written to.

-- The status a run sets on its commit, GitHub-shaped; the newest row per (sha, context) is the current one.
create table commit_statuses (
  id bigint generated always as identity primary key,
  repository_id bigint not null references repositories (id) on delete cascade,
  sha text not null,
  context text not null,
  state text not null check (state in ('pending', 'success', 'failure', 'error')),
  description text not null default '',
  -- The run it reports (null for a workflow file's diagnostics); the target URL is made from it when read.
  run_id bigint references workflow_runs (id) on delete set null,
  target_path text,
  created_at timestamptz not null default now()
);
create index commit_statuses_sha_idx on commit_statuses (repository_id, sha, id desc);

create function status_name(code smallint) returns text language sql immutable as $$
  select (array['unknown', 'success', 'failure', 'cancelled', 'skipped', 'waiting', 'running', 'blocked'])[code + 1]
$$;

-- The outbox: one row per state change of a run or job and per commit status, written by the triggers below in
-- the transaction of the change, whatever code path made it, so a crash can lose none. Webhook deliveries are
-- made from these rows by the sender.
create table outbox (
  id bigint generated always as identity primary key,
  repository_id bigint not null references repositories (id) on delete cascade,
  kind text not null check (kind in ('run', 'job', 'status')),
  run_id bigint,
  subject_id bigint not null,
  -- The new state (`status` of a run or job, `state` of a commit status), as it was at the change.
  state text not null,
  created_at timestamptz not null default now()
);
create index outbox_run_idx on outbox (run_id, id);

create function outbox_run_changed() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' or new.status is distinct from old.status then
    insert into outbox (repository_id, kind, run_id, subject_id, state)
    values (new.repository_id, 'run', new.id, new.id, status_name(new.status));
  end if;
  return null;
end
$$;
create trigger workflow_runs_outbox after insert or update of status on workflow_runs
  for each row execute function outbox_run_changed();

create function outbox_job_changed() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' or new.status is distinct from old.status then
    insert into outbox (repository_id, kind, run_id, subject_id, state)
    values (new.repository_id, 'job', new.run_id, new.id, status_name(new.status));
  end if;
  return null;
end
$$;
create trigger workflow_jobs_outbox after insert or update of status on workflow_jobs
  for each row execute function outbox_job_changed();

create function outbox_status_set() returns trigger language plpgsql as $$
begin
  insert into outbox (repository_id, kind, run_id, subject_id, state)
  values (new.repository_id, 'status', new.run_id, new.id, new.state);
  return null;
end
$$;
create trigger commit_statuses_outbox after insert on commit_statuses
  for each row execute function outbox_status_set();
