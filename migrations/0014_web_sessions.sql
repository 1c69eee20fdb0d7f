-- The dashboard's sign-in sessions (docs/dashboard.md). A session is made from an API token and acts with its
-- rights: the token's row is referenced, never the token. The browser holds a random session id in a cookie; only
-- its SHA-256 is stored. A revoked token ends its sessions (the look-up joins a live token).

create table web_sessions (
  id bigint generated always as identity primary key,
  session_hash text not null unique,
  token_id bigint not null references api_tokens (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index web_sessions_expires_idx on web_sessions (expires_at);
