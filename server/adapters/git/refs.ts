import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
// Branches, tags and HEAD of a repository.
import { refNameFromBytes } from '../../core/refs/ref-bytes.js';
import { runGit } from './run.js';

const BRANCH_PREFIX = 'refs/heads/';

/**
 * Branches and tags: full ref name (`refs/heads/main`, `refs/tags/v1`) → the object
 * id the ref points to, as git stores it. For an annotated tag that is the tag
 * object, not the commit; it is what a ref state should record (a re-tag at the
 * same commit is still an update). GitRepository.peel gives the commit whose
 * workflows to read. Other refs (notes, remotes, pull/*) are left out.
 * One process whatever the number of refs; loose and packed refs alike.
 */
export async function listRefs(gitDir: string): Promise<Map<string, string>> {
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

/**
 * The branch HEAD names (`main`), even when that branch has no commit yet.
 * Null when HEAD is detached or doesn't name a branch.
 */
export async function defaultBranch(gitDir: string): Promise<string | null> {
  // HEAD is nearly always a plain `ref: refs/heads/<name>` file; read it without a git process.
  const head = refNameFromBytes(await readFile(join(gitDir, 'HEAD')).catch(() => Buffer.alloc(0)));
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
