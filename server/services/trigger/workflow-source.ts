import type { Parser } from 'web-tree-sitter';
import type { GitRepository } from '../../adapters/git/index.js';
import { checkRepository, parseWorkflowFile } from '../../core/language/index.js';
import type { Diagnostic, ParsedFile } from '../../core/language/model.js';

export interface WorkflowFileAtCommit extends ParsedFile {
  blobSha: string;
  /** The file's source, '' when it was not read (skipped). */
  content: string;
}

interface CachedBlob {
  bytes: Buffer;
  content: string;
  parsed: Map<string, ParsedFile>;
}

// Parses are cached by blob id and path (the path gives a one-workflow file its default name).
const CACHE_LIMIT = 5000;

/** Reads and parses `.plue/workflows/*.py` at a commit, from the object database, never a work tree. */
export class WorkflowSource {
  /** blob id → { source, parse by path }, in insertion order for eviction. */
  private readonly cache = new Map<string, CachedBlob>();

  constructor(private readonly parser: Parser, private readonly maxBytes: number) {}

  async load(git: GitRepository, commit: string): Promise<WorkflowFileAtCommit[]> {
    const entries = await git.workflowFiles(commit, { maxBytes: this.maxBytes, knownBlobs: this.cache });
    const files: WorkflowFileAtCommit[] = entries.map((entry) => {
      if (entry.skipped) {
        const diagnostic = skippedDiagnostic(entry.skipped, entry.size, this.maxBytes);
        return { path: entry.path, blobSha: entry.blobSha, content: '', workflows: [], diagnostics: [diagnostic] };
      }
      const blob = this.blob(entry.blobSha, entry.content);
      let parsed = blob.parsed.get(entry.path);
      if (!parsed) {
        parsed = parseWorkflowFile(this.parser, entry.path, blob.bytes, { maxBytes: this.maxBytes });
        blob.parsed.set(entry.path, parsed);
      }
      return { ...parsed, blobSha: entry.blobSha, content: blob.content };
    });
    const byPath = new Map(files.map((f) => [f.path, f]));
    return checkRepository(files).map((f) => ({ ...f, blobSha: byPath.get(f.path)!.blobSha, content: byPath.get(f.path)!.content }));
  }

  private blob(id: string, content: Buffer | undefined): CachedBlob {
    const cached = this.cache.get(id);
    if (cached) return cached;
    if (!content) throw new Error(`git returned no content for blob ${id}`);
    if (this.cache.size >= CACHE_LIMIT) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    const entry: CachedBlob = { bytes: content, content: content.toString('utf8'), parsed: new Map() };
    this.cache.set(id, entry);
    return entry;
  }
}

function skippedDiagnostic(reason: string, size: number, maxBytes: number): Diagnostic {
  if (reason === 'too-large') {
    return { severity: 'error', code: 'file-too-large', line: 1, column: 1, message: `file is ${size} bytes; workflow files may be at most ${maxBytes} bytes` };
  }
  if (reason === 'symlink') {
    return { severity: 'error', code: 'symlink', line: 1, column: 1, message: 'workflow files must be regular files, not symbolic links' };
  }
  return { severity: 'error', code: 'not-a-file', line: 1, column: 1, message: 'workflow entry is not a regular file' };
}
