import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createInterface } from 'node:readline';
import type { RunnerClient } from './client.js';
import { LeaseLostError } from './client.js';
import { LogStream } from './log-stream.js';
import type { FinalStatus, Task } from './protocol.js';
import { pythonModuleDir } from './python-module.js';

// Runs one claimed task: a temporary workspace with the repository at the task's commit, the workflow function
// run by python3 against the shipped `plue` module, heartbeats, logs, and the final status.

export type Outcome = FinalStatus | 'lost' | 'released';

/** Runner secrets never reach workflow code. */
const HIDDEN_ENV = ['PLUE_RUNNER_TOKEN', 'PLUE_RUNNER_REGISTRATION_TOKEN', 'PLUE_RUNNER_REGISTRATION'];
const KILL_GRACE_MS = 5_000;

export class TaskExecution {
  private child: ChildProcess | null = null;
  private verdict: Outcome | null = null;
  private readonly logs: LogStream;
  private heartbeats: NodeJS.Timeout | null = null;
  private readonly aborted = new AbortController();

  constructor(
    private readonly client: RunnerClient,
    readonly task: Task,
    private readonly note: (message: string) => void = () => {},
  ) {
    this.logs = new LogStream(client, task, () => this.stop('lost'));
  }

  /** Runs the task to its end; returns what became of it. */
  async run(): Promise<Outcome> {
    const base = await mkdtemp(path.join(os.tmpdir(), `plue-task-${this.task.id}-`));
    const workspace = path.join(base, 'workspace');
    const startedAt = new Date();
    try {
      this.startHeartbeats();
      this.logs.add('', `[plue] task ${this.task.id} attempt ${this.task.attempt}: ${this.task.workflow.path}:${this.task.workflow.function} at ${this.task.sha.slice(0, 12)} (${this.task.ref})`);
      const exitCode = await this.prepare(base, workspace).then(
        async (taskFile) => {
          await this.reportRunning(startedAt);
          return this.verdict ? null : this.runPython(taskFile, workspace);
        },
        (error: unknown) => {
          this.logs.add('', `[plue] cannot prepare the workspace: ${(error as Error).message}`);
          return 1;
        },
      );
      const outcome: Outcome = this.verdict ?? (exitCode === 0 ? 'success' : 'failure');
      this.stopHeartbeats();
      if (outcome === 'released') {
        await this.client.release(this.task).catch((error: unknown) => this.note(`cannot give task ${this.task.id} back: ${String(error)}`));
        return outcome;
      }
      if (outcome === 'lost') return outcome;
      this.logs.add('', `[plue] ${outcome}`);
      await this.logs.flush(10);
      if (this.logs.lost) return 'lost';
      await this.finish(outcome, startedAt);
      return this.verdict === 'lost' ? 'lost' : outcome;
    } finally {
      this.stopHeartbeats();
      await rm(base, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /** Stops the task early: `released` gives it back to the queue, `cancelled` reports it cancelled, `lost` walks away. */
  stop(outcome: 'released' | 'cancelled' | 'lost'): void {
    if (this.verdict) return;
    this.verdict = outcome;
    this.aborted.abort();
    this.killChild(outcome === 'cancelled' ? 'SIGTERM' : 'SIGKILL');
    if (outcome === 'cancelled') setTimeout(() => this.killChild('SIGKILL'), KILL_GRACE_MS).unref();
  }

  private killChild(signal: NodeJS.Signals): void {
    const child = this.child;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, signal); // the whole group: commands started by ctx.run too
    } catch {
      // already gone
    }
  }

  private async prepare(base: string, workspace: string): Promise<string> {
    await mkdir(workspace);
    const archive = await this.client.archive(this.task, this.aborted.signal);
    await extractTar(archive, workspace);
    // The source the server matched, even if the checkout were to differ.
    const workflowFile = path.join(workspace, ...this.task.workflow.path.split('/'));
    if (!workflowFile.startsWith(workspace + path.sep)) throw new Error(`workflow path ${this.task.workflow.path} leaves the workspace`);
    await mkdir(path.dirname(workflowFile), { recursive: true });
    await writeFile(workflowFile, this.task.workflow.source);
    const taskFile = path.join(base, 'task.json');
    const { token: _token, ...visible } = this.task;
    await writeFile(taskFile, JSON.stringify({ ...visible, workflow_file: workflowFile, workspace }));
    return taskFile;
  }

  private runPython(taskFile: string, workspace: string): Promise<number | null> {
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' };
    for (const name of HIDDEN_ENV) delete env[name];
    Object.assign(env, {
      PLUE_REF: this.task.ref, PLUE_SHA: this.task.sha, PLUE_EVENT: this.task.event.name,
      PLUE_REPOSITORY: `${this.task.repository.owner}/${this.task.repository.name}`, PLUE_WORKSPACE: workspace,
      PLUE_RUN_NUMBER: String(this.task.run.number), PLUE_ATTEMPT: String(this.task.attempt),
    });
    const script = path.join(pythonModuleDir(), 'plue_runner.py');
    return new Promise((resolve) => {
      const child = spawn('python3', ['-u', '-X', 'utf8', script, taskFile], {
        cwd: workspace, env, detached: true, stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      });
      this.child = child;
      let step = '';
      const events = child.stdio[3] as Readable;
      createInterface({ input: events, crlfDelay: Infinity }).on('line', (text) => {
        try {
          const event = JSON.parse(text) as { step: string; line: string };
          step = event.step;
          this.logs.add(event.step, event.line);
        } catch {
          this.logs.add(step, text);
        }
      });
      for (const stream of [child.stdout!, child.stderr!]) {
        createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => this.logs.add(step, line));
      }
      child.on('error', (error) => {
        this.logs.add('', `[plue] cannot start python3: ${error.message}`);
        resolve(1);
      });
      child.on('close', (code, signal) => {
        if (signal && !this.verdict) this.logs.add('', `[plue] python3 was killed by ${signal}`);
        resolve(code);
      });
      if (this.verdict) this.killChild('SIGKILL');
    });
  }

  /** Tells the server the work starts now; it may already know that the run was cancelled. */
  private async reportRunning(startedAt: Date): Promise<void> {
    try {
      if ((await this.client.running(this.task, startedAt)).cancelled) this.stop('cancelled');
    } catch (error) {
      if (error instanceof LeaseLostError) this.stop('lost');
    }
  }

  private startHeartbeats(): void {
    const everyMs = Math.max(200, (this.task.lease_seconds * 1000) / 3);
    let leaseEnds = Date.parse(this.task.lease_expires_at);
    const beat = async () => {
      try {
        const reply = await this.client.heartbeat(this.task);
        leaseEnds = Date.parse(reply.lease_expires_at);
        if (reply.cancelled) {
          this.logs.add('', '[plue] the run was cancelled');
          this.stop('cancelled');
        }
      } catch (error) {
        if (error instanceof LeaseLostError || Date.now() > leaseEnds) {
          this.note(`task ${this.task.id}: lease lost (${(error as Error).message}); stopping it`);
          this.stop('lost');
        }
      }
    };
    this.heartbeats = setInterval(() => void beat(), everyMs);
  }

  private stopHeartbeats(): void {
    if (this.heartbeats) clearInterval(this.heartbeats);
    this.heartbeats = null;
  }

  private async finish(outcome: FinalStatus, startedAt: Date): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.finish(this.task, outcome, { started_at: startedAt, stopped_at: new Date() });
        return;
      } catch (error) {
        if (error instanceof LeaseLostError) {
          this.verdict = 'lost';
          return;
        }
        if (attempt >= 5) {
          this.note(`task ${this.task.id}: cannot report ${outcome}: ${(error as Error).message}`);
          return;
        }
        await new Promise((r) => setTimeout(r, 500 * attempt));
      }
    }
  }
}

/** `tar -x` into `dir`, fed from `input`. */
async function extractTar(input: Readable, dir: string): Promise<void> {
  const tar = spawn('tar', ['-x', '-f', '-', '-C', dir], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  tar.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<number | null>((resolve, reject) => {
    tar.on('error', reject);
    tar.on('close', resolve);
  });
  await pipeline(input, tar.stdin);
  const code = await exited;
  if (code !== 0) throw new Error(`tar exited with ${code}: ${stderr.trim()}`);
}
