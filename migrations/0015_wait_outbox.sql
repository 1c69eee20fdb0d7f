-- Webhooks for runs that wait for an event (issue 16): a wait recorded is a `run` change with the action
-- `waiting_for_event`, a wait that received its event or timed out one with the action `resumed`. Written by a
-- trigger, in the transaction of the change, like every other outbox row (0007). The row's subject is the wait.
create function outbox_wait_changed() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' or (old.resolved_at is null and new.resolved_at is not null) then
    insert into outbox (repository_id, kind, run_id, subject_id, state)
    select r.repository_id, 'run', new.run_id, new.id, case when tg_op = 'INSERT' then 'waiting_for_event' else 'resumed' end
    from workflow_runs r where r.id = new.run_id;
  end if;
  return null;
end
$$;
create trigger run_waits_outbox after insert or update of resolved_at on run_waits
  for each row execute function outbox_wait_changed();
