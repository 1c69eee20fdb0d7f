-- Commit statuses (issue 12): a run's later statuses copy its first one's commit, context and target, found by run.
create index commit_statuses_run_idx on commit_statuses (run_id, id desc) where run_id is not null;
