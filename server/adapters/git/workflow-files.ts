// Workflow files (`.plue/workflows/*.py`) as they are in a given commit, read from
// the object database only (never a working tree).
import { readObjects } from './cat-file.js';
import { commitExists } from './commits.js';
import { GitError, objectName, runGit } from './run.js';

export const WORKFLOWS_FOLDER = '.plue/workflows';
export const DEFAULT_MAX_WORKFLOW_BYTES = 1024 * 1024;

export type WorkflowFileSkip = 'symlink' | 'too-large' | 'not-a-file';

/**
 * One `.py` entry directly in the workflows folder. Exactly one of these holds:
 * - `content` is set: the file was read;
 * - `skipped` is set: it wasn't read, and why;
 * - neither: its blob was in `knownBlobs`, so the caller already has it.
 */
export interface WorkflowFile {
  /** Repository-relative path, e.g. `.plue/workflows/ci.py`. */
  path: string;
  /** Blob id (tree id for a folder, commit id for a submodule). */
  blobSha: string;
  /** Bytes; 0 when not a file. */
  size: number;
  content?: Buffer;
  skipped?: WorkflowFileSkip;
}

export interface ReadWorkflowFilesOptions {
  /** Larger files are reported as skipped 'too-large' and not read. */
  maxBytes?: number;
  /** Blob ids whose content the caller has cached: listed but not read. */
  knownBlobs?: { has(blobId: string): boolean };
}

interface TreeEntry {
  mode: string;
  type: string;
  id: string;
  size: number;
  path: string;
}

function parseTreeEntry(record: string): TreeEntry | null {
  // `<mode> SP <type> SP <id> SP+ <size|-> TAB <path>`; the path may hold any byte but NUL.
  const tab = record.indexOf('\t');
  if (tab === -1) return null;
  const [mode, type, id, sizeText] = record.slice(0, tab).split(/ +/);
  if (mode === undefined || type === undefined || id === undefined) return null;
  const size = sizeText === undefined || sizeText === '-' ? 0 : Number(sizeText);
  return { mode, type, id, size, path: record.slice(tab + 1) };
}

function isWorkflowPath(path: string): boolean {
  const prefix = `${WORKFLOWS_FOLDER}/`;
  if (!path.startsWith(prefix)) return false;
  const name = path.slice(prefix.length);
  return !name.includes('/') && name.endsWith('.py') && name.length > '.py'.length;
}

/** Entries directly in the workflows folder at `commit`; null when the commit is missing. */
async function listWorkflowEntries(gitDir: string, commit: string): Promise<TreeEntry[] | null> {
  let stdout: Buffer;
  try {
    // --full-tree: paths from the repository root whatever git takes as cwd.
    ({ stdout } = await runGit(['ls-tree', '-z', '-l', '--full-tree', objectName(commit), '--', `${WORKFLOWS_FOLDER}/`], { gitDir }));
  } catch (error) {
    if (error instanceof GitError && !(await commitExists(gitDir, commit))) return null;
    throw error;
  }
  const entries: TreeEntry[] = [];
  for (const record of stdout.toString('utf8').split('\0')) {
    const entry = record === '' ? null : parseTreeEntry(record);
    if (entry !== null && isWorkflowPath(entry.path)) entries.push(entry);
  }
  return entries;
}

function skipReason(entry: TreeEntry, maxBytes: number): WorkflowFileSkip | null {
  if (entry.mode === '120000') return 'symlink';
  if (entry.type !== 'blob') return 'not-a-file'; // folder named x.py, or a submodule
  if (entry.size > maxBytes) return 'too-large';
  return null;
}

/**
 * Lists `.plue/workflows/*.py` at `commit` (not in subfolders) and reads the
 * contents that are needed with one `git cat-file --batch`. Symlinks, submodules,
 * folders and files over maxBytes are listed as skipped. A missing commit or
 * folder gives an empty list. Paths are decoded as UTF-8.
 */
export async function readWorkflowFiles(
  gitDir: string,
  commit: string,
  options: ReadWorkflowFilesOptions = {},
): Promise<WorkflowFile[]> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_WORKFLOW_BYTES;
  const entries = await listWorkflowEntries(gitDir, commit);
  if (entries === null) return [];

  const files: WorkflowFile[] = entries.map((entry) => {
    const file: WorkflowFile = { path: entry.path, blobSha: entry.id, size: entry.size };
    const skipped = skipReason(entry, maxBytes);
    if (skipped !== null) file.skipped = skipped;
    return file;
  });
  const toRead = files.filter((file) => file.skipped === undefined && !options.knownBlobs?.has(file.blobSha));
  const blobs = await readObjects(gitDir, [...new Set(toRead.map((file) => file.blobSha))]);
  for (const file of toRead) {
    const blob = blobs.get(file.blobSha);
    if (blob === undefined) {
      throw new GitError(`blob ${file.blobSha} of ${file.path} is missing from ${gitDir}`, ['cat-file', '--batch'], null, '', gitDir);
    }
    file.content = blob.content;
  }
  return files;
}
