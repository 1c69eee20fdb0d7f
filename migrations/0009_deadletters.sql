-- Retries and dead letters for events (issue 11): a repository's events listed newest first, in any status
-- (pending and failed ones have their own partial indexes from 0006).
create index events_repository_idx on events (repository_id, id desc);
