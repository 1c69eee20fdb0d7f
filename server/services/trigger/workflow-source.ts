import type { GitRepository } from '../../adapters/git/index.js';
import { checkRepository } from '../../core/language/index.js';
import type { Diagnostic, ParsedFile } from '../../core/language/model.js';
import { ENTRY_OVERHEAD_BYTES, SizedCache } from '../../core/cache/sized-cache.js';
import type { ParseTask } from '../untrusted/worker.js';

export interface WorkflowFileAtCommit extends ParsedFile {
  blobSha: string;
  /** The file's source, '' when it was not read (skipped). */
  content: string;
}

/** Parses workflow files: in the service, in the untrusted-work pool, within its budget. */
export type ParseFiles = (task: ParseTask) => Promise<ParsedFile[]>;

export interface WorkflowSourceOptions {
  parse: ParseFiles;
  maxBytes: number;
  /** Workflow files read from one commit; the others are an error each (PLUE_MAX_WORKFLOW_FILES). */
  maxFiles?: number;
  /** Bytes each of the caches (parsed files by blob, checked file lists by commit's files) may hold; default 64 MiB. */
  cacheBytes?: number;
}

interface CachedBlob {
  bytes: Buffer;
  content: string;
  parsed: Map<string, ParsedFile>;
}

/** Reads and parses `.plue/workflows/*.py` at a commit, from the object database, never a work tree. */
export class WorkflowSource {
  // Parses are cached by blob id and path (the path gives a one-workflow file its default name), least recently
  // used first out, bounded by the source bytes they hold.
  private readonly blobs: SizedCache<CachedBlob>;
  // A commit's files as load returns them, by their paths and blob ids: the repository checks and the list are
  // made once for as long as a branch's workflow files do not change, not for every push. Callers must not
  // modify what load returns.
  private readonly checked: SizedCache<WorkflowFileAtCommit[]>;

  constructor(private readonly options: WorkflowSourceOptions) {
    const cacheBytes = options.cacheBytes ?? 64 * 1024 * 1024;
    this.blobs = new SizedCache(cacheBytes, (_id, blob) => blob.bytes.length + ENTRY_OVERHEAD_BYTES);
    this.checked = new SizedCache(cacheBytes, (key, files) =>
      key.length + files.reduce((n, f) => n + f.content.length + ENTRY_OVERHEAD_BYTES, 0));
  }

  async load(git: GitRepository, commit: string): Promise<WorkflowFileAtCommit[]> {
    const { maxBytes } = this.options;
    const limits = { maxBytes, ...(this.options.maxFiles ? { maxFiles: this.options.maxFiles } : {}) };
    let entries = await git.workflowFiles(commit, { ...limits, knownBlobs: { sizeOf: (id) => this.blobs.get(id)?.bytes.length } });
    const key = entries.map((e) => `${e.path}\0${e.blobSha}\0${e.skipped ?? ''}\0${e.size}`).join('\n');
    const known = this.checked.get(key);
    if (known) return known;
    // A load running beside this one may have pushed out a blob that was cached when the files were listed.
    if (entries.some((e) => !e.skipped && e.content === undefined && !this.blobs.get(e.blobSha))) entries = await git.workflowFiles(commit, limits);
    // Take what the cache holds now (no await until it is taken), before anything new goes in and may push it out.
    const blobs = entries.map((entry) => (entry.skipped ? undefined : this.cachedOrNew(entry.blobSha, entry.content)));
    const unparsed = entries.flatMap((entry, i) => {
      const blob = blobs[i];
      return blob === undefined || blob.parsed.has(entry.path) ? [] : [{ path: entry.path, blob }];
    });
    if (unparsed.length > 0) {
      const parsed = await this.options.parse({ files: unparsed.map(({ path, blob }) => ({ path, bytes: blob.bytes })), maxBytes });
      unparsed.forEach(({ path, blob }, i) => blob.parsed.set(path, parsed[i] as ParsedFile));
    }
    for (const [i, entry] of entries.entries()) if (!entry.skipped) this.blobs.set(entry.blobSha, blobs[i] as CachedBlob);
    const files: WorkflowFileAtCommit[] = entries.map((entry, i) => {
      const blob = blobs[i];
      if (entry.skipped || blob === undefined) {
        const diagnostic = skippedDiagnostic(entry.skipped ?? 'not-a-file', entry.size, maxBytes, this.options.maxFiles);
        return { path: entry.path, blobSha: entry.blobSha, content: '', workflows: [], diagnostics: [diagnostic] };
      }
      return { ...(blob.parsed.get(entry.path) as ParsedFile), blobSha: entry.blobSha, content: blob.content };
    });
    const byPath = new Map(files.map((f) => [f.path, f]));
    const checked = checkRepository(files).map((f) => ({ ...f, blobSha: byPath.get(f.path)!.blobSha, content: byPath.get(f.path)!.content }));
    this.checked.set(key, checked);
    return checked;
  }

  private cachedOrNew(id: string, content: Buffer | undefined): CachedBlob {
    const cached = this.blobs.get(id);
    if (cached) return cached;
    if (!content) throw new Error(`git returned no content for blob ${id}`);
    return { bytes: content, content: content.toString('utf8'), parsed: new Map() };
  }
}

function skippedDiagnostic(reason: string, size: number, maxBytes: number, maxFiles = 0): Diagnostic {
  if (reason === 'too-many-files') {
    return { severity: 'error', code: 'too-many-files', line: 1, column: 1, message: `a commit may have at most ${maxFiles} workflow files; this one, past them in name order, was not read` };
  }
  if (reason === 'too-large') {
    return { severity: 'error', code: 'file-too-large', line: 1, column: 1, message: `file is ${size} bytes; workflow files may be at most ${maxBytes} bytes` };
  }
  if (reason === 'symlink') {
    return { severity: 'error', code: 'symlink', line: 1, column: 1, message: 'workflow files must be regular files, not symbolic links' };
  }
  return { severity: 'error', code: 'not-a-file', line: 1, column: 1, message: 'workflow entry is not a regular file' };
}
