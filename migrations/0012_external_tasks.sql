-- Tasks completed by an external system (issue 12, docs/runners.md "Tasks completed by an external system").
--
-- A running task hands itself off: it stays `running` (so its job and run stay running) but leaves its runner: its
-- lease is cleared, which fences every call made with the task token, and it now waits for a completion call
-- carrying the completion token (only its SHA-256 is kept) until `external_deadline`. The completion, the timeout
-- sweep and a run's cancel end it; `end_reason` says which.

alter table workflow_tasks
  add column handed_off_at timestamptz,
  -- The outside system's id for the work, as the task gave it (shown in the run's details).
  add column external_ref text,
  add column completion_token_hash text,
  add column external_deadline timestamptz,
  -- What the completion call sent (any JSON; `null` when it sent none).
  add column external_output jsonb,
  drop constraint workflow_tasks_end_reason_check,
  add constraint workflow_tasks_end_reason_check
    check (end_reason in ('runner', 'lease_expired', 'cancelled', 'external', 'external_timeout')),
  add constraint workflow_tasks_handoff_check
    check (handed_off_at is null or (completion_token_hash is not null and external_deadline is not null and lease_expires_at is null));

-- The handed-off tasks still waiting, for the timeout sweep.
create index workflow_tasks_handed_off_idx on workflow_tasks (external_deadline) where status = 6 and handed_off_at is not null;
