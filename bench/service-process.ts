// The service as its own process (`plue-trigger serve`, the built command), so that its memory, CPU time and
// inotify watches are its own and not the benchmark's. Figures are read from /proc (Linux).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { BIN_PATH } from '../server/services/service.js';
import { within } from './support.js';

export interface ServiceProcess {
  pid: number;
  /** Resolves with the service's URL once it says it is serving. */
  serving: Promise<string>;
  /** Every log line so far (pino JSON, or the banner). */
  lines: string[];
  stop(): Promise<void>;
}

/** `env` adds to the benchmark's environment; BENCH_CPU_PROF=<dir> writes the service's CPU profile there. */
export function startServiceProcess(env: NodeJS.ProcessEnv): ServiceProcess {
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF)}`] : [];
  const child: ChildProcess = spawn(process.execPath, [...profile, BIN_PATH, 'serve'], {
    env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const serving = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      lines.push(line);
      const banner = /^plue-trigger is serving on (\S+)/.exec(line);
      if (banner) resolve(banner[1]!);
    });
    createInterface({ input: child.stderr! }).on('line', (line) => lines.push(line));
    void exited.then((code) => reject(new Error(`the service exited (${code}) before serving:\n${lines.slice(-20).join('\n')}`)));
  });
  serving.catch(() => undefined);
  return {
    pid: child.pid!,
    serving,
    lines,
    async stop() {
      child.kill('SIGTERM');
      await within(60_000, 'the service stopping', exited);
    },
  };
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ, 100 on Linux

/** User + system CPU time of the process so far, in ms. */
export async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces), from the third on: utime is the 14th, stime the 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Resident memory now and at its peak, in MiB. */
export async function memoryMiB(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

/** Open file descriptors, and inotify watches over all of the process's inotify instances. */
export async function watchesAndFiles(pid: number): Promise<{ inotifyWatches: number; inotifyInstances: number; fds: number }> {
  const fds = await readdir(`/proc/${pid}/fd`);
  let inotifyWatches = 0;
  let inotifyInstances = 0;
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    if (target !== 'anon_inode:inotify') continue;
    inotifyInstances++;
    const info = await readFile(`/proc/${pid}/fdinfo/${fd}`, 'utf8').catch(() => '');
    inotifyWatches += info.split('\n').filter((line) => line.startsWith('inotify wd:')).length;
  }
  return { inotifyWatches, inotifyInstances, fds: fds.length };
}
