-- Webhooks (issue 12): hooks, and their deliveries made from the outbox (0007) by the sender.

-- A hook of one repository, or (repository_id null) an admin's hook that hears every repository.
create table webhooks (
  id bigint generated always as identity primary key,
  repository_id bigint references repositories (id) on delete cascade,
  url text not null,
  -- Any of 'run', 'job', 'status', or '*' for all.
  events text[] not null,
  secret text not null,
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index webhooks_repository_idx on webhooks (repository_id, id);
create trigger webhooks_touch before update on webhooks
  for each row execute function touch_updated_at();

-- One delivery per outbox row and matching hook. The payload is the exact text sent (and signed) on every
-- attempt; delivery_uuid is the X-Plue-Delivery every attempt carries.
create table webhook_deliveries (
  id bigint generated always as identity primary key,
  hook_id bigint not null references webhooks (id) on delete cascade,
  outbox_id bigint not null,
  repository_id bigint not null references repositories (id) on delete cascade,
  -- The run the change belongs to: deliveries of one hook and run are sent in outbox order.
  run_id bigint,
  event text not null check (event in ('run', 'job', 'status')),
  action text not null,
  payload text not null,
  delivery_uuid uuid not null default gen_random_uuid() unique,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_status_code integer,
  last_error text,
  created_at timestamptz not null default now(),
  finished_at timestamptz,
  -- A sender that dies mid-expansion and one that redoes it make one delivery, not two.
  unique (hook_id, outbox_id)
);
create index webhook_deliveries_due_idx on webhook_deliveries (next_attempt_at) where status = 'pending';
create index webhook_deliveries_run_idx on webhook_deliveries (hook_id, run_id, outbox_id) where status = 'pending';
create index webhook_deliveries_hook_idx on webhook_deliveries (hook_id, id desc);

-- Wakes the senders of every replica when a change is written; they also poll, for notifications missed.
create function outbox_notify() returns trigger language plpgsql as $$
begin
  perform pg_notify('plue_outbox', '');
  return null;
end
$$;
create trigger outbox_notify after insert on outbox
  for each statement execute function outbox_notify();
