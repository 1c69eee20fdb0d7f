-- Runner protocol: leases, attempts, logs and cancellation (see docs/runners.md).
--
-- A task row is one attempt of a job. When a lease runs out the attempt ends as failure and a NEW row with
-- attempt + 1 is queued (up to the maximum), so each attempt keeps its own runner, times and logs, and a runner
-- holding the old row's token is fenced by the row being finished. A task given back by its runner (release)
-- is the one exception: that row returns to waiting, keeps its attempt number and loses its partial logs.

alter table workflow_tasks
  -- Why a finished attempt ended: reported by its runner, its lease ran out, or its run was cancelled.
  add column end_reason text check (end_reason in ('runner', 'lease_expired', 'cancelled')),
  -- Log lines received so far (the next expected offset), their bytes, and whether lines were dropped.
  add column log_lines integer not null default 0,
  add column log_bytes bigint not null default 0,
  add column log_truncated boolean not null default false;

-- Log offsets count lines across the whole task, so a line number is unique per task whatever its step.
create unique index task_logs_line_idx on task_logs (task_id, line_no);

-- Set when someone asks to cancel a run: waiting tasks are cancelled at once, running ones learn it from
-- their next heartbeat and report `cancelled`.
alter table workflow_runs add column cancel_requested_at timestamptz;
