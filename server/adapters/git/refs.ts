import { readFileSync, readdirSync, statSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
// Branches, tags and HEAD of a repository.
import { refNameFromBytes, refNameToBytes } from '../../core/refs/ref-bytes.js';
import { runGit } from './run.js';

const BRANCH_PREFIX = 'refs/heads/';

/**
 * Branches and tags: full ref name (`refs/heads/main`, `refs/tags/v1`) → the object
 * id the ref points to, as git stores it. For an annotated tag that is the tag
 * object, not the commit; it is what a ref state should record (a re-tag at the
 * same commit is still an update). GitRepository.peel gives the commit whose
 * workflows to read. Other refs (notes, remotes, pull/*) are left out.
 * Read from the files (loose refs, then packed-refs) when they are plain, else by one `git for-each-ref`.
 */
export async function listRefs(gitDir: string): Promise<Map<string, string>> {
  return (await refsFromFiles(gitDir)) ?? listRefsWithGit(gitDir);
}

/** listRefs by one `git for-each-ref`, whatever the number of refs; loose and packed refs alike. */
export async function listRefsWithGit(gitDir: string): Promise<Map<string, string>> {
  const { stdout } = await runGit(
    ['for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads/', 'refs/tags/'],
    { gitDir },
  );
  const refs = new Map<string, string>();
  // Ref names can't contain spaces or newlines (git check-ref-format), so this split is safe. They are bytes,
  // not always UTF-8: refNameFromBytes keeps two different names apart.
  let start = 0;
  while (start < stdout.length) {
    let end = stdout.indexOf(0x0a, start);
    if (end === -1) end = stdout.length;
    const space = stdout.indexOf(0x20, start);
    if (space !== -1 && space < end) refs.set(refNameFromBytes(stdout.subarray(space + 1, end)), stdout.toString('latin1', start, space));
    start = end + 1;
  }
  return refs;
}

const OBJECT_ID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/**
 * Branches and tags read as git's files backend stores them, without a process (a git process forks the whole
 * service: object-files.ts). Loose refs are read before packed-refs, as git does: `git pack-refs` writes
 * packed-refs before it removes the loose files, so a ref being packed is seen in one or the other. Null (ask
 * git) for anything not plain: reftable (its `refs/heads` is a file), a linked worktree (no `refs/heads` of its
 * own), a symbolic or broken ref, a name git might refuse.
 * The reads are synchronous: each is a small file on a local disk (~10 µs), where an asynchronous one costs
 * four trips to the thread pool and ~0.3 ms of the main thread; a host's start reads 10,000 repositories' refs.
 */
async function refsFromFiles(gitDir: string): Promise<Map<string, string> | null> {
  const refs = new Map<string, string>();
  for (const top of ['heads', 'tags']) {
    if (!readLooseRefs(Buffer.from(join(gitDir, 'refs', top)), Buffer.from(`refs/${top}`), refs)) return null;
  }
  const packed = readOrNull(join(gitDir, 'packed-refs'), Buffer.alloc(0));
  if (packed === null) return null;
  for (let start = 0; start < packed.length;) {
    let end = packed.indexOf(0x0a, start);
    if (end === -1) end = packed.length;
    const line = packed.subarray(start, end);
    start = end + 1;
    if (line.length === 0 || line[0] === 0x23 /* # */ || line[0] === 0x5e /* ^ peeled */) continue;
    const space = line.indexOf(0x20);
    const id = line.toString('latin1', 0, space);
    const name = line.subarray(space + 1);
    if (space === -1 || !OBJECT_ID.test(id) || !isPlainRefName(name)) return null;
    if (!(name.subarray(0, 11).equals(HEADS) || name.subarray(0, 10).equals(TAGS))) continue;
    const ref = refNameFromBytes(name);
    if (!refs.has(ref)) refs.set(ref, id); // a loose ref overrides its packed value
  }
  return refs;
}

/**
 * The values of a few named branches and tags (those that exist), read from their own files (the loose file, else
 * packed-refs), not by listing them all; null (ask git) for anything refsFromFiles would not read.
 */
export function refValuesFromFiles(gitDir: string, refs: readonly string[]): Map<string, string> | null {
  if (!statSync(join(gitDir, 'refs', 'heads'), { throwIfNoEntry: false })?.isDirectory()) return null;
  const values = new Map<string, string>();
  const missing = new Set<string>();
  for (const ref of refs) {
    const name = refNameToBytes(ref);
    if (!(name.subarray(0, 11).equals(HEADS) || name.subarray(0, 10).equals(TAGS)) || !isPlainRefName(name)) return null;
    const content = readOrNull(Buffer.concat([Buffer.from(`${gitDir}/`), name]), 'gone' as const);
    if (content === 'gone') {
      missing.add(ref);
      continue;
    }
    const id = content?.toString('latin1').replace(/\n$/, '');
    if (id === undefined || !OBJECT_ID.test(id)) return null; // a folder, a symbolic or broken ref: git decides
    values.set(ref, id);
  }
  if (missing.size === 0) return values;
  // Read after the loose files, as git does: `git pack-refs` writes packed-refs before it removes them.
  const packed = readOrNull(join(gitDir, 'packed-refs'), Buffer.alloc(0));
  if (packed === null) return null;
  for (let start = 0; start < packed.length && missing.size > 0;) {
    let end = packed.indexOf(0x0a, start);
    if (end === -1) end = packed.length;
    const line = packed.subarray(start, end);
    start = end + 1;
    const space = line.indexOf(0x20);
    if (space === -1 || line[0] === 0x23 /* # */ || line[0] === 0x5e /* ^ peeled */) continue;
    const ref = refNameFromBytes(line.subarray(space + 1));
    if (!missing.delete(ref)) continue;
    const id = line.toString('latin1', 0, space);
    if (!OBJECT_ID.test(id)) return null;
    values.set(ref, id);
  }
  return values;
}

const HEADS = Buffer.from('refs/heads/');
const TAGS = Buffer.from('refs/tags/');

/** The file's bytes; `missing` when it does not exist; null when it cannot be read. */
function readOrNull<T>(file: string | Buffer, missing: T): Buffer | T | null {
  try {
    return readFileSync(file);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? missing : null;
  }
}

/** Adds the loose refs under `dir` (named `prefix/...`); false when git must read them. Paths are bytes, as names are. */
function readLooseRefs(dir: Buffer, prefix: Buffer, refs: Map<string, string>): boolean {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true, encoding: 'buffer' });
  } catch {
    return false; // no refs/heads folder: not a plain repository
  }
  for (const entry of entries) {
    const name = Buffer.concat([prefix, SLASH, entry.name]);
    const file = Buffer.concat([dir, SLASH, entry.name]);
    // git writes `<ref>.lock` and renames it into place; a lock file is not a ref (git skips them too).
    if (entry.name.subarray(-5).equals(LOCK)) continue;
    if (entry.isDirectory()) {
      if (!readLooseRefs(file, name, refs)) return false;
      continue;
    }
    if (!entry.isFile() || !isPlainRefName(name)) return false;
    const content = readOrNull(file, 'gone' as const);
    if (content === 'gone') continue; // deleted or packed since the folder was read: packed-refs, read next, has it if it is
    const id = content?.toString('latin1').replace(/\n$/, '');
    if (id === undefined || !OBJECT_ID.test(id)) return false; // symbolic (`ref: ...`) or broken: git decides
    refs.set(refNameFromBytes(name), id);
  }
  return true;
}

const SLASH = Buffer.from('/');
const LOCK = Buffer.from('.lock');

/**
 * Names git surely accepts (git check-ref-format): parts that do not start with a dot or end with `.lock` or a
 * dot, no `..` or `@{`, no control characters, space or `~^:?*[\\`. Other bytes, UTF-8 or not, are fine.
 */
function isPlainRefName(name: Buffer): boolean {
  for (const part of name.toString('latin1').split('/')) {
    if (part === '' || part.startsWith('.') || part.endsWith('.') || part.endsWith('.lock') || part.includes('..') || part.includes('@{')) return false;
    if (/[\x00-\x20\x7f~^:?*[\\]/.test(part)) return false;
  }
  return true;
}

/**
 * The branch HEAD names (`main`), even when that branch has no commit yet.
 * Null when HEAD is detached or doesn't name a branch.
 */
export async function defaultBranch(gitDir: string): Promise<string | null> {
  // HEAD is nearly always a plain `ref: refs/heads/<name>` file; read it without a git process.
  const head = refNameFromBytes(readOrNull(join(gitDir, 'HEAD'), Buffer.alloc(0)) ?? Buffer.alloc(0));
  if (head.startsWith(`ref: ${BRANCH_PREFIX}`) && !head.includes('.invalid')) return head.slice(`ref: ${BRANCH_PREFIX}`.length).trim();
  if (/^[0-9a-f]{40,64}\s*$/.test(head)) return null;
  const { stdout, exitCode } = await runGit(['symbolic-ref', '-q', 'HEAD'], { gitDir, okExitCodes: [0, 1] });
  if (exitCode !== 0) return null;
  const ref = refNameFromBytes(stdout).trim();
  return ref.startsWith(BRANCH_PREFIX) ? ref.slice(BRANCH_PREFIX.length) : null;
}

/**
 * Whether a folder that has just appeared holds no branch or tag yet: still being made (no HEAD), or made empty by
 * `git init`. Read from the files, without a git process: a push may follow at once, and this must see the folder
 * before it does.
 */
export async function hasNoRefsYet(folder: string): Promise<boolean> {
  for (const gitDir of [folder, join(folder, '.git')]) {
    if (!(await stat(join(gitDir, 'HEAD')).then((s) => s.isFile(), () => false))) continue;
    if (await stat(join(gitDir, 'reftable')).then(() => true, () => false)) return (await listRefs(gitDir)).size === 0;
    const packed = await readFile(join(gitDir, 'packed-refs'), 'utf8').catch(() => '');
    if (/^[0-9a-f]{40,64} refs\/(heads|tags)\//m.test(packed)) return false;
    return !(await holdsFiles(join(gitDir, 'refs', 'heads'))) && !(await holdsFiles(join(gitDir, 'refs', 'tags')));
  }
  return true;
}

async function holdsFiles(dir: string): Promise<boolean> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.some((entry) => entry.isFile());
}
