// Context files: the folder of text a dispatch hands to the runs it starts (`trigger-context/` in the workspace).
// Names are plain file names, checked here once for the service and again by the runner that writes them, so
// nothing a dispatcher or a server sends can land outside that folder.

/** The folder, inside the workspace, the runner writes the files to. */
export const CONTEXT_FOLDER = 'trigger-context';
/** A name's length in UTF-8 bytes: what common file systems allow. */
export const MAX_CONTEXT_NAME_BYTES = 255;
/** A dispatch's payload, serialised as JSON. */
export const MAX_DISPATCH_PAYLOAD_BYTES = 64 * 1024;
/** Up to this many bytes in all, a claim carries the files inline; past it, the runner fetches them. */
export const INLINE_CONTEXT_BYTES = 64 * 1024;

export interface ContextLimits {
  maxContextFiles: number;
  maxContextBytes: number;
}

export interface ContextFileProblem {
  /** The file's name; null when the problem is the set's (too many files, too many bytes). */
  file: string | null;
  code: 'empty' | 'dot' | 'separator' | 'control' | 'spaces' | 'name_too_long' | 'not_text' | 'too_many' | 'too_large';
  message: string;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// C0, DEL and C1 controls; NUL among them.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Why `name` is not a plain file name, or null. */
export function contextNameProblem(name: string): Omit<ContextFileProblem, 'file'> | null {
  if (name === '') return { code: 'empty', message: 'a context file needs a name' };
  if (name === '.' || name === '..') return { code: 'dot', message: `\`${name}\` is not a file name` };
  if (CONTROL.test(name)) return { code: 'control', message: 'the name holds a control character (NUL, newline, tab…)' };
  if (LONE_SURROGATE.test(name)) return { code: 'control', message: 'the name holds a lone UTF-16 surrogate (not valid Unicode)' };
  if (name.includes('/') || name.includes('\\')) return { code: 'separator', message: 'the name holds a path separator (`/` or `\\`); give plain file names' };
  // A name that differs from another only by spaces at its ends is a trap for whoever reads the folder.
  if (name.trim() !== name) return { code: 'spaces', message: 'the name starts or ends with white space' };
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_CONTEXT_NAME_BYTES) return { code: 'name_too_long', message: `the name is ${bytes} bytes long; the limit is ${MAX_CONTEXT_NAME_BYTES}` };
  return null;
}

/** Every problem of a set of context files: bad names and texts, then too many files or bytes. */
export function contextFilesProblems(files: Readonly<Record<string, unknown>>, limits: ContextLimits): ContextFileProblem[] {
  const problems: ContextFileProblem[] = [];
  let total = 0;
  const names = Object.keys(files);
  for (const name of names) {
    const bad = contextNameProblem(name);
    if (bad) {
      problems.push({ file: name, ...bad });
      continue;
    }
    const text = files[name];
    if (typeof text !== 'string') {
      problems.push({ file: name, code: 'not_text', message: 'its content must be a string of UTF-8 text' });
      continue;
    }
    // PostgreSQL text holds neither; neither is text a file could be read back as.
    if (text.includes('\u0000') || LONE_SURROGATE.test(text)) {
      problems.push({ file: name, code: 'not_text', message: 'its content holds a NUL character or a lone surrogate; context files are UTF-8 text' });
      continue;
    }
    total += Buffer.byteLength(text, 'utf8');
  }
  if (names.length > limits.maxContextFiles) {
    problems.push({ file: null, code: 'too_many', message: `${names.length} context files; the limit is ${limits.maxContextFiles} (PLUE_DISPATCH_MAX_CONTEXT_FILES)` });
  }
  if (total > limits.maxContextBytes) {
    problems.push({ file: null, code: 'too_large', message: `the context files hold ${total} bytes in all; the limit is ${limits.maxContextBytes} (PLUE_DISPATCH_MAX_CONTEXT_BYTES)` });
  }
  return problems;
}
