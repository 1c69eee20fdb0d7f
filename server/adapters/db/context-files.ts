import type { Queryable } from './queryable.js';

// event_context_files: the files a dispatch hands to its runs, stored once with its event (names checked before).

export async function insertContextFiles(db: Queryable, eventId: number, files: Readonly<Record<string, string>>): Promise<void> {
  const rows = Object.entries(files).map(([name, content]) => ({ event_id: eventId, name, content }));
  if (rows.length === 0) return;
  await db`
    insert into event_context_files (event_id, name, content)
    select event_id, name, content from jsonb_to_recordset(${db.json(rows as never)}) as r(event_id bigint, name text, content text)`;
}

/** How many files an event has and their UTF-8 bytes in all, without reading them. */
export async function contextFilesSize(db: Queryable, eventId: number): Promise<{ files: number; bytes: number }> {
  const [row] = await db<{ files: number; bytes: number }[]>`
    select count(*)::int as files, coalesce(sum(octet_length(content)), 0)::bigint::float8 as bytes
    from event_context_files where event_id = ${eventId}`;
  return row ?? { files: 0, bytes: 0 };
}

export async function readContextFiles(db: Queryable, eventId: number): Promise<Record<string, string>> {
  const rows = await db<{ name: string; content: string }[]>`
    select name, content from event_context_files where event_id = ${eventId} order by name`;
  return Object.fromEntries(rows.map((r) => [r.name, r.content]));
}
