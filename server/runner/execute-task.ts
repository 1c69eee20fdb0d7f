import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { createInterface } from 'node:readline';
import { checkoutCommit } from './checkout.js';
import type { RunnerClient } from './client.js';
import { LeaseLostError } from './client.js';
import { delay, LeaseKeeper } from './lease-keeper.js';
import { LogStream } from './log-stream.js';
import type { FinalStatus, HandedOff, HandoffBody, Task } from './protocol.js';
import { pythonModuleDir } from './python-module.js';
import { writeContextFolder } from './context-folder.js';
import { CONTEXT_FOLDER } from '../core/trigger/context-files.js';
import { TaskRequests } from './task-requests.js';

// Runs one claimed task: a temporary workspace with the repository at the task's commit, the workflow function
// run by python3 against the shipped `plue` module, heartbeats, logs, and the final status.

/** `handed_off`: an external system completes the task; the runner reports nothing more. */
export type Outcome = FinalStatus | 'lost' | 'released' | 'handed_off';

/** Runner secrets never reach workflow code. */
const HIDDEN_ENV = ['PLUE_RUNNER_TOKEN', 'PLUE_RUNNER_REGISTRATION_TOKEN', 'PLUE_RUNNER_REGISTRATION'];
const KILL_GRACE_MS = 5_000;
/** After python3 exits, how long its output may still arrive before the pipes are closed (see `runPython`). */
export const DRAIN_MS = 2_000;
/** After a handoff, how long the workflow may still run to pass the completion token on. */
export const HANDOFF_GRACE_MS = 60_000;

export class TaskExecution {
  private child: ChildProcess | null = null;
  private verdict: Outcome | null = null;
  /** The work is over: from here on only the lease is kept (until the final status is in) or lost. */
  private finishing = false;
  private readonly logs: LogStream;
  private readonly lease: LeaseKeeper;
  /** Stops the work (the archive download). */
  private readonly aborted = new AbortController();
  /** The lease is gone: stops every request about the task. */
  private readonly gone = new AbortController();
  /** A handoff is in flight: a stop asked meanwhile waits for its answer (see `handOff`). */
  private handingOff = false;
  private parkedStop: 'released' | 'cancelled' | 'lost' | null = null;
  /** When the claim's reply was in hand (monotonic): the first lease counts from here. */
  private readonly claimedAt: number;

  constructor(
    private readonly client: RunnerClient,
    readonly task: Task,
    private readonly note: (message: string) => void = () => {},
  ) {
    this.logs = new LogStream(client, task, () => this.stop('lost'));
    this.lease = new LeaseKeeper(client, task, {
      cancelled: () => {
        if (this.verdict || this.finishing) return;
        this.logs.add('', '[plue] the run was cancelled');
        this.stop('cancelled');
      },
      lost: (reason, byServer) => {
        // The final status may be what ended the lease: its own reply says whether it was taken.
        if (byServer && this.finishing) return;
        this.note(`task ${this.task.id}: lease lost: ${reason}; stopping it`);
        this.stop('lost');
      },
    });
    this.claimedAt = this.lease.now();
  }

  /** Runs the task to its end; returns what became of it. */
  async run(): Promise<Outcome> {
    const base = await mkdtemp(path.join(os.tmpdir(), `plue-task-${this.task.id}-`));
    const workspace = path.join(base, 'workspace');
    const startedAt = new Date();
    try {
      this.lease.start(this.claimedAt);
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
      this.finishing = true;
      const outcome: Outcome = this.verdict ?? (exitCode === 0 ? 'success' : 'failure');
      if (outcome === 'handed_off') return outcome;
      if (outcome === 'released') {
        await this.lease.stop();
        await this.client.release(this.task).catch((error: unknown) => this.note(`cannot give task ${this.task.id} back: ${String(error)}`));
        return outcome;
      }
      if (outcome === 'lost') return outcome;
      // Heartbeats go on until the final status is in: sending the last logs and the status may take a while.
      this.logs.add('', `[plue] ${outcome}`);
      await this.logs.flush(10);
      if (this.logs.lost) return 'lost';
      await this.finish(outcome, startedAt);
      return this.verdict === 'lost' ? 'lost' : outcome;
    } finally {
      await this.lease.stop();
      await rm(base, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /**
   * Stops the task early: `released` gives it back to the queue, `cancelled` reports it cancelled, `lost` walks
   * away. Once the work is over only `lost` still applies (the final status is being reported).
   */
  stop(outcome: 'released' | 'cancelled' | 'lost'): void {
    if (this.verdict === 'lost' || this.verdict === 'handed_off') return;
    if (this.handingOff) {
      if (outcome === 'lost' || this.parkedStop === null) this.parkedStop = outcome;
      return;
    }
    if (outcome !== 'lost' && (this.verdict || this.finishing)) return;
    this.verdict = outcome;
    this.aborted.abort();
    if (outcome === 'lost') {
      this.gone.abort();
      this.logs.abandon();
    }
    this.killChild(outcome === 'cancelled' ? 'SIGTERM' : 'SIGKILL');
    if (outcome === 'cancelled') setTimeout(() => this.killChild('SIGKILL'), KILL_GRACE_MS).unref();
  }

  /**
   * Gives the task to an external system (`ctx.handoff`). What the workflow logged so far is sent first; once the
   * server has taken the task the lease is no longer kept, later lines are dropped (the task token controls nothing
   * any more), no final status is sent, and the workflow has HANDOFF_GRACE_MS to pass the token on and exit. A stop
   * asked while the handoff is in flight (a cancel, a lost lease) waits for its answer: moot when it succeeded.
   */
  async handOff(body: HandoffBody): Promise<HandedOff> {
    if (this.verdict || this.finishing || this.handingOff) throw new Error('the task is ending or already being handed off');
    this.handingOff = true;
    try {
      this.logs.add('', `[plue] handing the task off to an external system${body.external_ref === undefined ? '' : ` (ref ${body.external_ref})`}`);
      await this.logs.flush();
      const reply = await this.client.handoff(this.task, body, { signal: this.gone.signal });
      this.verdict = 'handed_off';
      this.logs.abandon();
      void this.lease.stop();
      setTimeout(() => this.killChild('SIGKILL'), HANDOFF_GRACE_MS).unref();
      this.note(`task ${this.task.id}: handed off to an external system until ${reply.deadline}`);
      return reply;
    } finally {
      this.handingOff = false;
      const parked = this.parkedStop;
      this.parkedStop = null;
      if (parked && this.verdict !== 'handed_off') this.stop(parked);
    }
  }

  private killChild(signal: NodeJS.Signals): void {
    const child = this.child;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    killGroup(child.pid, signal);
  }

  private async prepare(base: string, workspace: string): Promise<string> {
    await mkdir(workspace);
    await checkoutCommit(await this.client.pack(this.task, this.aborted.signal), workspace, this.task);
    // The source the server matched, even if the checkout were to differ.
    const workflowFile = path.join(workspace, ...this.task.workflow.path.split('/'));
    if (!workflowFile.startsWith(workspace + path.sep)) throw new Error(`workflow path ${this.task.workflow.path} leaves the workspace`);
    await mkdir(path.dirname(workflowFile), { recursive: true });
    await writeFile(workflowFile, this.task.workflow.source);
    if (this.task.context !== undefined || this.task.context_url !== undefined) {
      const files = this.task.context ?? await this.client.context(this.task, { signal: this.aborted.signal });
      const names = await writeContextFolder(workspace, files);
      this.logs.add('', `[plue] ${names.length} context file(s) in ${CONTEXT_FOLDER}/`);
    }
    const taskFile = path.join(base, 'task.json');
    const { token: _token, context: _context, ...visible } = this.task;
    await writeFile(taskFile, JSON.stringify({ ...visible, workflow_file: workflowFile, workspace }));
    return taskFile;
  }

  /**
   * Runs the workflow function; resolves with python3's exit code once its output is read. A process the workflow
   * started in the background may hold python3's stdout open long after python3 exited: the output is read for
   * DRAIN_MS after the exit, then the pipes are closed. Whatever is left of the task's process group is killed
   * then: nothing a task started outlives it.
   */
  private runPython(taskFile: string, workspace: string): Promise<number | null> {
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1' };
    for (const name of HIDDEN_ENV) delete env[name];
    Object.assign(env, {
      PLUE_REF: this.task.ref, PLUE_SHA: this.task.sha, PLUE_EVENT: this.task.event.name,
      PLUE_REPOSITORY: `${this.task.repository.owner}/${this.task.repository.name}`, PLUE_WORKSPACE: workspace,
      PLUE_RUN_NUMBER: String(this.task.run.number), PLUE_ATTEMPT: String(this.task.attempt),
      PLUE_RUN_ID: String(this.task.run.id), PLUE_WORKFLOW: this.task.workflow.name,
      // The task as the workflow may see it (no token): the event's payload is its `event.payload`.
      PLUE_TASK_FILE: taskFile,
    });
    const script = path.join(pythonModuleDir(), 'plue_runner.py');
    return new Promise((resolve) => {
      const child = spawn('python3', ['-u', '-X', 'utf8', script, taskFile], {
        cwd: workspace, env, detached: true, stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
      });
      this.child = child;
      let step = '';
      const events = child.stdio[3] as Readable;
      // The workflow asks the runner (which holds the task token) on fd 3 and reads the answers on fd 4.
      const requests = new TaskRequests(this.client, this.task, child.stdio[4] as Writable, this.gone.signal, (body) => this.handOff(body));
      createInterface({ input: events, crlfDelay: Infinity }).on('line', (text) => {
        try {
          const event = JSON.parse(text) as { step: string; line: string; request?: string };
          if (event.request !== undefined) {
            requests.handle({ ...event, request: event.request });
            return;
          }
          step = event.step;
          this.logs.add(event.step, event.line);
        } catch {
          this.logs.add(step, text);
        }
      });
      for (const stream of [child.stdout!, child.stderr!]) {
        createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => this.logs.add(step, line));
      }
      let settled = false;
      const settle = (code: number | null, signal: NodeJS.Signals | null) => {
        if (settled) return;
        settled = true;
        if (child.pid) killGroup(child.pid, 'SIGKILL');
        if (signal && !this.verdict) this.logs.add('', `[plue] python3 was killed by ${signal}`);
        resolve(code);
      };
      child.on('error', (error) => {
        this.logs.add('', `[plue] cannot start python3: ${error.message}`);
        settled = true;
        resolve(1);
      });
      child.on('exit', (code, signal) => {
        const drained = setTimeout(() => {
          this.logs.add('', `[plue] python3 exited but its output stays open (a process it left running?); not waiting for it`);
          for (const stream of [child.stdout, child.stderr, events, child.stdio[4]]) stream?.destroy();
          settle(code, signal);
        }, DRAIN_MS);
        child.once('close', () => {
          clearTimeout(drained);
          settle(code, signal);
        });
      });
      if (this.verdict) this.killChild('SIGKILL');
    });
  }

  /** Tells the server the work starts now; it may already know that the run was cancelled. */
  private async reportRunning(startedAt: Date): Promise<void> {
    const sentAt = this.lease.now();
    try {
      const reply = await this.client.running(this.task, startedAt, { signal: this.gone.signal });
      this.lease.renewed(sentAt);
      if (reply.cancelled) this.stop('cancelled');
    } catch (error) {
      if (error instanceof LeaseLostError) this.stop('lost');
    }
  }

  private async finish(outcome: FinalStatus, startedAt: Date): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.finish(this.task, outcome, { started_at: startedAt, stopped_at: new Date() }, { signal: this.gone.signal });
        return;
      } catch (error) {
        if (error instanceof LeaseLostError) {
          this.stop('lost');
          return;
        }
        if (this.verdict === 'lost') return;
        if (attempt >= 5) {
          this.note(`task ${this.task.id}: cannot report ${outcome}: ${(error as Error).message}`);
          return;
        }
        await delay(500 * attempt, this.gone.signal);
      }
    }
  }
}

/** Signals a whole process group: the workflow and every command it started. */
function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

