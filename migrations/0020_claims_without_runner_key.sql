-- A claim names its runner on every task it takes, and the foreign key made each claim look up the runner row and
-- lock it FOR KEY SHARE (for one runner taking several tasks at once, or several replicas, a multixact). Runner
-- rows are never deleted (only last_seen_at ever changes), so the key guarded nothing the service does.
alter table workflow_tasks drop constraint workflow_tasks_runner_id_fkey;
