// Workflow files (`.plue/workflows/*.py`) as they are in a given commit, read through the repository's object
// reader from the object database only (never a working tree).
import { WORKFLOWS_FOLDER } from '../../core/language/workflow-paths.js';
import type { GitObjectReader } from './object-reader.js';
import { readTree } from './object-walks.js';
import { GitError } from './run.js';

export const DEFAULT_MAX_WORKFLOW_BYTES = 1024 * 1024;

export type WorkflowFileSkip = 'symlink' | 'too-large' | 'not-a-file' | 'too-many-files';

/**
 * One `.py` entry directly in the workflows folder. Exactly one of these holds:
 * - `content` is set: the file was read;
 * - `skipped` is set: it wasn't read, and why;
 * - neither: its blob was in `knownBlobs`, so the caller already has it (and its size: git is not asked).
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
  /** Files past this many (in name order) are listed as skipped 'too-many-files' and not read. */
  maxFiles?: number;
  /** Blobs whose content the caller has cached, with their size: listed but not read. */
  knownBlobs?: { sizeOf(blobId: string): number | undefined };
}

const compareNames = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Lists `.plue/workflows/*.py` at `commit` (not in subfolders), sorted, and reads the contents that are needed.
 * Symlinks, submodules, folders and files over maxBytes are listed as skipped. A missing commit or folder gives
 * an empty list. Paths are decoded as UTF-8.
 */
export async function readWorkflowFiles(
  reader: GitObjectReader,
  commit: string,
  options: ReadWorkflowFilesOptions = {},
): Promise<WorkflowFile[]> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_WORKFLOW_BYTES;
  const folder = await readTree(reader, `${commit}:${WORKFLOWS_FOLDER}`);
  if (folder === null) return [];
  const entries = folder.filter((e) => e.name.endsWith('.py') && e.name.length > '.py'.length).sort(compareNames);
  const maxFiles = options.maxFiles ?? Number.POSITIVE_INFINITY;
  return Promise.all(entries.map(async (entry, index): Promise<WorkflowFile> => {
    const file: WorkflowFile = { path: `${WORKFLOWS_FOLDER}/${entry.name}`, blobSha: entry.oid, size: 0 };
    if (index >= maxFiles) return { ...file, skipped: 'too-many-files' };
    if (entry.mode === '120000') return { ...file, size: (await reader.info(entry.oid))?.size ?? 0, skipped: 'symlink' };
    if (entry.mode !== '100644' && entry.mode !== '100755') return { ...file, skipped: 'not-a-file' };
    // A blob id names its content: a cached one costs no request (a busy repository's workflows rarely change).
    const knownSize = options.knownBlobs?.sizeOf(entry.oid);
    if (knownSize !== undefined && knownSize <= maxBytes) return { ...file, size: knownSize };
    const info = await reader.info(entry.oid);
    file.size = info?.size ?? 0;
    if (file.size > maxBytes) return { ...file, skipped: 'too-large' };
    const blob = await reader.contents(entry.oid);
    if (blob === null) {
      throw new GitError(`blob ${entry.oid} of ${file.path} is missing from ${reader.gitDir}`, ['cat-file', '--batch-command'], null, '', reader.gitDir);
    }
    return { ...file, content: blob.content };
  }));
}
