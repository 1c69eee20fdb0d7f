import type { RefUpdate } from './diff.js';

// git's post-receive input: one `<old> <new> <ref>` line per updated ref.

const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export interface HookLines {
  updates: RefUpdate[];
  /** Lines that are not `<old> <new> <ref>` with object ids and a `refs/` name. */
  invalid: string[];
}

export function parseHookLines(text: string): HookLines {
  const updates: RefUpdate[] = [];
  const invalid: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const [before = '', after = '', ref = '', ...rest] = line.split(' ');
    if (rest.length === 0 && OBJECT_ID.test(before) && OBJECT_ID.test(after) && ref.startsWith('refs/')) updates.push({ before, after, ref });
    else invalid.push(line);
  }
  return { updates, invalid };
}

/**
 * The plain-text delivery the shell hook makes: the repository's path on the first line, then git's lines.
 * Null when there is no path line.
 */
export function parseHookDelivery(text: string): { repositoryPath: string } & HookLines | null {
  const newline = text.indexOf('\n');
  const repositoryPath = (newline === -1 ? text : text.slice(0, newline)).replace(/\r$/, '');
  if (repositoryPath === '' || !repositoryPath.startsWith('/')) return null;
  return { repositoryPath, ...parseHookLines(newline === -1 ? '' : text.slice(newline + 1)) };
}
