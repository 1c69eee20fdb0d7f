// Reads that need many objects, done through a GitObjectReader (no process per call): trees, ancestry, and
// the files two commits differ in.
import type { GitObjectReader } from './object-reader.js';

export interface RawTreeEntry {
  mode: string;
  name: string;
  oid: string;
}

/** Parses a raw tree object: `<mode> <name>\0<binary oid>` repeated. */
export function parseRawTree(content: Buffer, oidBytes: number): RawTreeEntry[] {
  const entries: RawTreeEntry[] = [];
  let at = 0;
  while (at < content.length) {
    const space = content.indexOf(32, at);
    const nul = content.indexOf(0, space + 1);
    if (space === -1 || nul === -1 || nul + 1 + oidBytes > content.length) break;
    entries.push({
      mode: content.toString('latin1', at, space),
      name: content.toString('utf8', space + 1, nul),
      oid: content.toString('hex', nul + 1, nul + 1 + oidBytes),
    });
    at = nul + 1 + oidBytes;
  }
  return entries;
}

const isTree = (mode: string) => mode === '40000' || mode === '040000';

export async function readTree(reader: GitObjectReader, name: string): Promise<RawTreeEntry[] | null> {
  const object = await reader.contents(name);
  if (object === null || object.type !== 'tree') return null;
  return parseRawTree(object.content, object.oid.length / 2);
}

async function commitParents(reader: GitObjectReader, commit: string): Promise<{ tree: string; parents: string[] } | null> {
  const object = await reader.contents(commit);
  if (object === null || object.type !== 'commit') return null;
  const header = object.content.toString('latin1', 0, object.content.indexOf('\n\n') === -1 ? object.content.length : object.content.indexOf('\n\n'));
  let tree = '';
  const parents: string[] = [];
  for (const line of header.split('\n')) {
    if (line.startsWith('tree ')) tree = line.slice(5);
    else if (line.startsWith('parent ')) parents.push(line.slice(7));
  }
  return { tree, parents };
}

/**
 * Whether commit `ancestor` is reachable from commit `descendant` (full ids), walking at most `limit` commits.
 * null when the walk was cut short (the caller asks `git merge-base` instead) or a commit is missing.
 */
export async function walkIsAncestor(reader: GitObjectReader, ancestor: string, descendant: string, limit: number): Promise<boolean | null> {
  const seen = new Set<string>();
  let frontier = [descendant];
  while (frontier.length > 0) {
    if (frontier.includes(ancestor)) return true;
    const next: string[] = [];
    for (const commit of frontier) {
      if (seen.has(commit)) continue;
      seen.add(commit);
      if (seen.size > limit) return null;
      const parsed = await commitParents(reader, commit);
      if (parsed === null) return null;
      next.push(...parsed.parents);
    }
    frontier = next;
  }
  return false;
}

/**
 * Files that differ between two commits' trees (both sides of a rename), sorted; null when either commit is
 * missing. Stops past `maxFiles` and says so.
 */
export async function diffTrees(
  reader: GitObjectReader,
  before: string,
  after: string,
  maxFiles: number,
): Promise<{ files: string[]; truncated: boolean } | null> {
  const [a, b] = await Promise.all([commitParents(reader, before), commitParents(reader, after)]);
  if (a === null || b === null) return null;
  const files = new Set<string>();
  let truncated = false;
  const add = (path: string) => {
    if (files.has(path)) return;
    if (files.size >= maxFiles) truncated = true;
    else files.add(path);
  };
  const listAll = async (oid: string, prefix: string): Promise<void> => {
    for (const entry of (await readTree(reader, oid)) ?? []) {
      if (truncated) return;
      if (isTree(entry.mode)) await listAll(entry.oid, `${prefix}${entry.name}/`);
      else add(`${prefix}${entry.name}`);
    }
  };
  const compare = async (oldTree: string, newTree: string, prefix: string): Promise<void> => {
    if (oldTree === newTree || truncated) return;
    const [oldEntries, newEntries] = await Promise.all([readTree(reader, oldTree), readTree(reader, newTree)]);
    const olds = new Map((oldEntries ?? []).map((e) => [e.name, e]));
    const news = new Map((newEntries ?? []).map((e) => [e.name, e]));
    for (const name of new Set([...olds.keys(), ...news.keys()])) {
      if (truncated) return;
      const o = olds.get(name);
      const n = news.get(name);
      if (o && n && o.oid === n.oid && o.mode === n.mode) continue;
      const path = `${prefix}${name}`;
      if (o && n && isTree(o.mode) && isTree(n.mode)) await compare(o.oid, n.oid, `${path}/`);
      else {
        for (const side of [o, n]) {
          if (!side) continue;
          if (isTree(side.mode)) await listAll(side.oid, `${path}/`);
          else add(path);
        }
      }
    }
  };
  await compare(a.tree, b.tree, '');
  return { files: [...files].sort(), truncated };
}
