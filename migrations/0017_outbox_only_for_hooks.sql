-- The outbox (0007, 0015) only holds changes a webhook can be made of: a change of a repository that no active hook
-- (its own or an admin-level one) listens to is written nowhere. A hook receives only the changes made after it was
-- created (the sender's rule), so nothing a hook could receive is lost; runs, jobs and statuses of repositories
-- without hooks no longer pay for an outbox row, its notification and the sender's expansion of it.
create function outbox_wanted(repository bigint) returns boolean language sql stable as $$
  select exists (select 1 from webhooks where active and (repository_id is null or repository_id = repository))
$$;

create or replace function outbox_run_changed() returns trigger language plpgsql as $$
begin
  if (tg_op = 'INSERT' or new.status is distinct from old.status) and outbox_wanted(new.repository_id) then
    insert into outbox (repository_id, kind, run_id, subject_id, state)
    values (new.repository_id, 'run', new.id, new.id, status_name(new.status));
  end if;
  return null;
end
$$;

create or replace function outbox_job_changed() returns trigger language plpgsql as $$
begin
  if (tg_op = 'INSERT' or new.status is distinct from old.status) and outbox_wanted(new.repository_id) then
    insert into outbox (repository_id, kind, run_id, subject_id, state)
    values (new.repository_id, 'job', new.run_id, new.id, status_name(new.status));
  end if;
  return null;
end
$$;

create or replace function outbox_status_set() returns trigger language plpgsql as $$
begin
  if outbox_wanted(new.repository_id) then
    insert into outbox (repository_id, kind, run_id, subject_id, state)
    values (new.repository_id, 'status', new.run_id, new.id, new.state);
  end if;
  return null;
end
$$;

create or replace function outbox_wait_changed() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' or (old.resolved_at is null and new.resolved_at is not null) then
    insert into outbox (repository_id, kind, run_id, subject_id, state)
    select r.repository_id, 'run', new.run_id, new.id, case when tg_op = 'INSERT' then 'waiting_for_event' else 'resumed' end
    from workflow_runs r where r.id = new.run_id and outbox_wanted(r.repository_id);
  end if;
  return null;
end
$$;
