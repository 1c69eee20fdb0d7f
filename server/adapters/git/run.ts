// Runs the `git` executable: the one place a git process is started (spawnGit), with one environment
// (gitEnvironment). Every command that touches a repository gets an explicit `--git-dir`, so nothing depends on
// the process's cwd or on a working tree.
import { spawn, type ChildProcessWithoutNullStreams, type StdioOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parse, resolve } from 'node:path';

const GIT = 'git';
const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_OUTPUT_BYTES = 256 * 1024 * 1024;
const MAX_STDERR_CHARS = 8_000;
const NEUTRAL_CWD = parse(process.cwd()).root;

/** A git command failed (bad repository, corrupt object, unexpected exit code, timeout...). */
export class GitError extends Error {
  override readonly name: string = 'GitError';
  constructor(
    message: string,
    /** Arguments as passed to git (after the global options). */
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
    readonly gitDir: string | null,
  ) {
    super(message);
  }
}

/** The `git` executable could not be started (not installed or not on PATH). */
export class GitNotFoundError extends GitError {
  override readonly name: string = 'GitNotFoundError';
}

// Variables that would point git at another repository, index, object store or history; that hand it the
// configuration of the git command that started us (a hook runs inside `git receive-pack`, with the pusher's
// `-c` options and a quarantine folder); or that make it start another program (we never want an editor, a
// pager, a password prompt or ssh). Our --git-dir must win. The operator's own config files
// (GIT_CONFIG_GLOBAL, GIT_CONFIG_SYSTEM, GIT_CONFIG_NOSYSTEM) are kept.
export const SCRUBBED_GIT_ENV: readonly string[] = [
  'GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR', 'GIT_NAMESPACE', 'GIT_PREFIX', 'GIT_IMPLICIT_WORK_TREE', 'GIT_QUARANTINE_PATH',
  'GIT_SHALLOW_FILE', 'GIT_REPLACE_REF_BASE',
  'GIT_CONFIG', 'GIT_CONFIG_PARAMETERS', 'GIT_CONFIG_COUNT',
  'EDITOR', 'VISUAL', 'PAGER', 'GIT_EDITOR', 'GIT_SEQUENCE_EDITOR', 'GIT_PAGER', 'GIT_ASKPASS', 'SSH_ASKPASS',
  'GIT_SSH', 'GIT_SSH_COMMAND', 'GIT_EXTERNAL_DIFF', 'GIT_PROXY_COMMAND', 'GIT_TEMPLATE_DIR',
];
const SCRUBBED_GIT_ENV_PATTERN = /^GIT_CONFIG_(KEY|VALUE)_\d+$/;

/** The environment of every git process we start (raw, the object reader, simple-git). */
export function gitEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!SCRUBBED_GIT_ENV.includes(name) && !SCRUBBED_GIT_ENV_PATTERN.test(name)) env[name] = value;
  }
  env.GIT_TERMINAL_PROMPT = '0';
  // Objects as pushed, never as refs/replace/* rewrites them; the same as --no-replace-objects, for the
  // commands (simple-git's) whose global options we don't write.
  env.GIT_NO_REPLACE_OBJECTS = '1';
  // Stable (English) messages: we recognise a few of them.
  env.LC_ALL = 'C';
  return env;
}

export interface RunGitOptions {
  /** Repository to run in: passed as `--git-dir` (and used as cwd). */
  gitDir?: string;
  /** Working directory when there is no gitDir. */
  cwd?: string;
  /** Written to stdin, then stdin is closed. */
  input?: string | Buffer;
  /** Exit codes that are not errors. Default: [0]. */
  okExitCodes?: readonly number[];
  timeoutMs?: number;
  maxOutputBytes?: number;
}

export interface GitOutput {
  stdout: Buffer;
  stderr: string;
  exitCode: number;
}

/** Runs git to completion and returns its output; throws GitError on other exit codes. */
export async function runGit(args: readonly string[], options: RunGitOptions = {}): Promise<GitOutput> {
  const chunks: Buffer[] = [];
  const result = await execute(args, options, (chunk) => {
    chunks.push(chunk);
    return true;
  });
  return { stdout: Buffer.concat(chunks), stderr: result.stderr, exitCode: result.exitCode ?? 0 };
}

/**
 * Runs git and hands each `separator`-terminated record of stdout to `onRecord`
 * (without the separator). Returning false stops git early (it is killed), which
 * keeps huge outputs (diffs of whole trees, long histories) cheap when capped.
 * Resolves with `stopped: true` when the caller stopped it.
 */
export async function streamGitRecords(
  args: readonly string[],
  options: RunGitOptions & { separator: '\0' | '\n' },
  onRecord: (record: Buffer) => boolean,
): Promise<{ stopped: boolean }> {
  const separator = options.separator === '\0' ? 0 : 10;
  let pending: Buffer = Buffer.alloc(0);
  let stopped = false;
  await execute(args, options, (chunk) => {
    const data = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    let start = 0;
    for (let end = data.indexOf(separator, start); end !== -1; end = data.indexOf(separator, start)) {
      const keepGoing = onRecord(data.subarray(start, end));
      start = end + 1;
      if (!keepGoing) {
        stopped = true;
        return false;
      }
    }
    pending = Buffer.from(data.subarray(start));
    return true;
  });
  if (!stopped && pending.length > 0) stopped = !onRecord(pending);
  return { stopped };
}

function describe(args: readonly string[]): string {
  return `git ${args.join(' ')}`;
}

function globalArgs(gitDir: string | undefined): string[] {
  // --no-replace-objects: read the objects as pushed, not as refs/replace/* would rewrite them.
  const common = ['--no-replace-objects', '--literal-pathspecs'];
  return gitDir === undefined ? common : [`--git-dir=${gitDir}`, ...common];
}

export interface SpawnGitOptions {
  /** Repository to run in, passed as `--git-dir` (cwd is then a neutral folder). */
  gitDir?: string;
  /** Working directory when there is no gitDir. */
  cwd?: string;
  stdio?: StdioOptions;
}

function placeOf(options: SpawnGitOptions): { gitDir: string | undefined; cwd: string | undefined } {
  const gitDir = options.gitDir === undefined ? undefined : resolve(options.gitDir);
  // A neutral cwd: with --git-dir given, git must not pick anything up from it.
  return { gitDir, cwd: gitDir === undefined ? options.cwd : NEUTRAL_CWD };
}

/** Starts git with the global options and the environment every call gets; callers own the process. */
export function spawnGit(args: readonly string[], options: SpawnGitOptions = {}) {
  const { gitDir, cwd } = placeOf(options);
  return spawn(GIT, [...globalArgs(gitDir), ...args], { cwd, env: gitEnvironment(), stdio: options.stdio ?? 'pipe' });
}

interface Execution {
  exitCode: number | null;
  stderr: string;
}

function execute(
  args: readonly string[],
  options: RunGitOptions,
  onStdout: (chunk: Buffer) => boolean,
): Promise<Execution> {
  const { gitDir, cwd } = placeOf(options);
  const okExitCodes = options.okExitCodes ?? [0];
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const fail = (message: string, exitCode: number | null, stderr: string): GitError =>
    new GitError(message, args, exitCode, stderr, gitDir ?? null);

  return new Promise<Execution>((resolvePromise, reject) => {
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawnGit(args, { gitDir, cwd }) as ChildProcessWithoutNullStreams;
    } catch (error) {
      reject(fail(`${describe(args)} could not start: ${(error as Error).message}`, null, ''));
      return;
    }
    let stderr = '';
    let outputBytes = 0;
    let stopped = false;
    let failure: GitError | null = null;

    const stop = (error: GitError | null): void => {
      if (stopped) return;
      stopped = true;
      failure = error;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(
      () => stop(fail(`${describe(args)} timed out`, null, stderr)),
      options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    );

    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (error.code === 'ENOENT' && cwd !== undefined && !existsSync(cwd)) {
        reject(fail(`${describe(args)}: directory does not exist: ${cwd}`, null, ''));
      } else if (error.code === 'ENOENT') {
        reject(new GitNotFoundError('git executable not found: install git and make sure it is on PATH', args, null, '', gitDir ?? null));
      } else {
        reject(fail(`${describe(args)} could not start: ${error.message}`, null, ''));
      }
    });
    child.stdout.on('data', (chunk: Buffer) => {
      if (stopped) return;
      outputBytes += chunk.length;
      if (outputBytes > maxOutputBytes) {
        stop(fail(`${describe(args)} produced more than ${maxOutputBytes} bytes`, null, stderr));
        return;
      }
      if (!onStdout(chunk)) stop(null);
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      if (stderr.length < MAX_STDERR_CHARS) stderr += text;
    });
    // EPIPE when git exits (or is stopped) before reading all input: not our error.
    child.stdin.on('error', () => {});
    if (options.input === undefined) child.stdin.end();
    else child.stdin.end(options.input);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (failure !== null) reject(failure);
      else if (stopped) resolvePromise({ exitCode: code, stderr });
      else if (code !== null && okExitCodes.includes(code)) resolvePromise({ exitCode: code, stderr });
      else {
        const status = code === null ? 'was killed' : `exited with ${code}`;
        reject(fail(`${describe(args)} ${status}${gitDir ? ` in ${gitDir}` : ''}: ${stderr.trim()}`, code, stderr));
      }
    });
  });
}

/** Version string of the installed git (`2.39.5`), or null when git can't be run. */
export async function gitVersion(): Promise<string | null> {
  try {
    const { stdout } = await runGit(['--version'], { timeoutMs: 10_000 });
    const match = /git version (\S+)/.exec(stdout.toString('utf8'));
    return match?.[1] ?? null;
  } catch {
    return null;
  }
}

export async function gitAvailable(): Promise<boolean> {
  return (await gitVersion()) !== null;
}

/** Guards object names passed as arguments: they must not read as options. */
export function objectName(id: string): string {
  if (id === '' || id.startsWith('-') || /\s/.test(id)) throw new Error(`invalid git object name: ${JSON.stringify(id)}`);
  return id;
}
