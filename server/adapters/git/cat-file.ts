// Object reads through a single `git cat-file --batch` / `--batch-check` process
// per call, however many objects are asked for.
import { runGit } from './run.js';

export interface GitObject {
  type: string;
  content: Buffer;
}

function requestLines(requests: readonly string[]): string {
  for (const request of requests) {
    if (/[\n\r]/.test(request)) throw new Error(`invalid object name: ${JSON.stringify(request)}`);
  }
  return requests.map((request) => `${request}\n`).join('');
}

/** Reads objects by id. Ids git doesn't have are absent from the result. */
export async function readObjects(gitDir: string, ids: readonly string[]): Promise<Map<string, GitObject>> {
  const objects = new Map<string, GitObject>();
  if (ids.length === 0) return objects;
  const { stdout } = await runGit(['cat-file', '--batch'], { gitDir, input: requestLines(ids) });
  let position = 0;
  // Answers come back in request order: `<id> <type> <size>\n<content>\n` or `<request> missing\n`.
  for (const id of ids) {
    const headerEnd = stdout.indexOf(10, position);
    if (headerEnd === -1) throw new Error(`git cat-file --batch: truncated output at ${id}`);
    const header = stdout.toString('utf8', position, headerEnd);
    position = headerEnd + 1;
    const [, type, sizeText] = header.split(' ');
    if (type === undefined || sizeText === undefined) continue; // missing / ambiguous
    const size = Number(sizeText);
    objects.set(id, { type, content: Buffer.from(stdout.subarray(position, position + size)) });
    position += size + 1;
  }
  return objects;
}

/**
 * Peels each object (commit, annotated tag, tag of a tag...) to the commit it names.
 * Null when it is missing or doesn't lead to a commit (e.g. a tag of a tree).
 */
export async function peelToCommits(gitDir: string, ids: readonly string[]): Promise<Map<string, string | null>> {
  const commits = new Map<string, string | null>();
  if (ids.length === 0) return commits;
  const { stdout } = await runGit(['cat-file', '--batch-check'], {
    gitDir,
    input: requestLines(ids.map((id) => `${id}^{commit}`)),
  });
  const lines = stdout.toString('utf8').split('\n');
  ids.forEach((id, index) => {
    const [commit, type] = (lines[index] ?? '').split(' ');
    commits.set(id, type === 'commit' && commit !== undefined ? commit : null);
  });
  return commits;
}

/** The commit an object peels to (see peelToCommits). */
export async function peelToCommit(gitDir: string, id: string): Promise<string | null> {
  return (await peelToCommits(gitDir, [id])).get(id) ?? null;
}
