// One long-lived `git cat-file --batch-command` per repository: reading objects costs a line on a pipe
// instead of a process start, which is what makes a busy repository's pushes cheap to trigger.
// Its GitRepository owns it; it starts on the first request and stops after a quiet while.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { GitError, spawnGit } from './run.js';
import { refNameToBytes } from '../../core/refs/ref-bytes.js';
import { ObjectFiles } from './object-files.js';

export interface ObjectInfo {
  oid: string;
  type: string;
  size: number;
}

export interface GitObjectContent extends ObjectInfo {
  content: Buffer;
}

interface Pending {
  kind: 'info' | 'contents';
  resolve(value: ObjectInfo | GitObjectContent | null): void;
  reject(error: Error): void;
}

const IDLE_CLOSE_MS = 15_000;
const NEWLINE = Buffer.from('\n');
const FLUSH = Buffer.from('flush\n');

export class GitObjectReader {
  private child: ChildProcessWithoutNullStreams | null = null;
  private readonly queue: Pending[] = [];
  private buffer: Buffer = Buffer.alloc(0);
  private idleTimer: NodeJS.Timeout | undefined;
  private closeAfterPending = false;
  /** Request lines not written yet: the requests of one tick go to git in one write. */
  private unwritten: Buffer[] = [];

  private readonly files: ObjectFiles;

  constructor(readonly gitDir: string) {
    this.files = new ObjectFiles(gitDir);
  }

  /** Whether its git process runs (reads go through it); a quiet reader reads the files. */
  get running(): boolean {
    return this.child !== null;
  }

  info(name: string): Promise<ObjectInfo | null> {
    return this.request('info', name) as Promise<ObjectInfo | null>;
  }

  contents(name: string): Promise<GitObjectContent | null> {
    return this.request('contents', name) as Promise<GitObjectContent | null>;
  }

  /** Closes now if nothing is pending, else once the pending requests are answered. */
  closeWhenIdle(): void {
    if (this.queue.length === 0) this.close();
    else this.closeAfterPending = true;
  }

  close(): void {
    clearTimeout(this.idleTimer);
    const child = this.child;
    this.child = null;
    running.delete(this);
    this.unwritten = [];
    child?.stdin.end();
    this.fail(new GitError(`object reader for ${this.gitDir} closed`, ['cat-file', '--batch-command'], null, '', this.gitDir));
  }

  private async request(kind: Pending['kind'], name: string): Promise<ObjectInfo | GitObjectContent | null> {
    if (/[\n\r]/.test(name)) throw new Error(`invalid object name: ${JSON.stringify(name)}`);
    // A quiet repository is read from its files: starting git forks the whole service (object-files.ts).
    if (this.child === null) {
      const answer = await this.files.resolve(name).catch(() => undefined);
      if (answer === null) return null;
      if (answer !== undefined) return kind === 'info' ? { oid: answer.oid, type: answer.type, size: answer.size } : answer;
    }
    return this.requestProcess(kind, name);
  }

  private requestProcess(kind: Pending['kind'], name: string): Promise<ObjectInfo | GitObjectContent | null> {
    const child = this.process();
    markUsed(this);
    clearTimeout(this.idleTimer);
    if (this.queue.length === 0) holdProcessOpen(child, true);
    return new Promise((resolve, reject) => {
      this.queue.push({ kind, resolve, reject });
      // Names are ref names as stored (refNameFromBytes): write git the bytes they stand for.
      this.unwritten.push(Buffer.from(`${kind} `), refNameToBytes(name), NEWLINE);
      if (this.unwritten.length === 3) queueMicrotask(() => this.writeRequests());
    });
  }

  /** One write for the requests made since the last, to the process they were made for (a close drops them). */
  private writeRequests(): void {
    const lines = this.unwritten;
    this.unwritten = [];
    // --buffer and `flush`: git answers the whole batch in one write too.
    if (lines.length > 0) this.child?.stdin.write(Buffer.concat([...lines, FLUSH]));
  }

  private process(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    const child = spawnGit(['cat-file', '--batch-command', '--buffer'], { gitDir: this.gitDir }) as ChildProcessWithoutNullStreams;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
    child.stdout.on('data', (chunk: Buffer) => {
      if (this.child === child) this.onData(chunk); // a closed process's late output belongs to nobody
    });
    const onGone = (error?: Error) => {
      if (this.child !== child) return;
      this.child = null;
      running.delete(this);
      this.buffer = Buffer.alloc(0);
      this.unwritten = [];
      const message = error?.message ?? (stderr.trim() || 'git cat-file exited');
      this.fail(new GitError(message, ['cat-file', '--batch-command'], null, stderr, this.gitDir));
    };
    child.on('error', onGone);
    child.on('exit', () => onGone());
    child.stdin.on('error', () => undefined); // reported through 'exit'
    holdProcessOpen(child, false);
    this.child = child;
    return child;
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const pending = this.queue[0];
      if (!pending) break;
      const headerEnd = this.buffer.indexOf(10);
      if (headerEnd === -1) break;
      const [oid = '', type = '', sizeText] = this.buffer.toString('utf8', 0, headerEnd).split(' ');
      if (sizeText === undefined || type === 'missing' || type === 'ambiguous') {
        this.buffer = this.buffer.subarray(headerEnd + 1);
        this.queue.shift();
        pending.resolve(null);
        continue;
      }
      const size = Number(sizeText);
      if (pending.kind === 'info') {
        this.buffer = this.buffer.subarray(headerEnd + 1);
        this.queue.shift();
        pending.resolve({ oid, type, size });
        continue;
      }
      const end = headerEnd + 1 + size;
      if (this.buffer.length < end + 1) break; // content and its trailing newline not all here yet
      const content = Buffer.from(this.buffer.subarray(headerEnd + 1, end));
      this.buffer = this.buffer.subarray(end + 1);
      this.queue.shift();
      pending.resolve({ oid, type, size, content });
    }
    if (this.queue.length === 0) {
      holdProcessOpen(this.child, false);
      if (this.closeAfterPending) {
        this.closeAfterPending = false;
        this.close();
        return;
      }
      this.idleTimer = setTimeout(() => this.close(), IDLE_CLOSE_MS);
      this.idleTimer.unref();
    }
  }

  private fail(error: Error): void {
    for (const pending of this.queue.splice(0)) pending.reject(error);
  }
}

/** An idle reader must not keep Node running; one with requests pending must (a script may have nothing else). */
function holdProcessOpen(child: ChildProcessWithoutNullStreams | null, held: boolean): void {
  if (!child) return;
  for (const handle of [child, child.stdin, child.stdout, child.stderr] as unknown as Array<{ ref?(): void; unref?(): void }>) {
    if (held) handle.ref?.();
    else handle.unref?.();
  }
}

// A reader is a process: with many repositories, only the most recently used ones stay open. Enough for a host
// pushing to a hundred repositories at once (fewer restarted a reader for nearly every push: a process start, ~5 ms
// of CPU, each), few enough for a default limit of 1,024 open files (3 pipes each; a reader holds ~0.3 MB of its
// own memory).
const MAX_RUNNING_READERS = 128;
/** Readers with a process, least recently used first. */
const running = new Set<GitObjectReader>();

function markUsed(reader: GitObjectReader): void {
  running.delete(reader);
  running.add(reader);
  if (running.size <= MAX_RUNNING_READERS) return;
  const oldest = running.values().next().value as GitObjectReader;
  running.delete(oldest);
  oldest.closeWhenIdle();
}
