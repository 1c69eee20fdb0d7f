// CPU time of the processes a benchmark drives, from /proc (Linux): this process (all its threads), the
// PostgreSQL server that listens on the benchmark's port (the postmaster and its backends), and this process's
// git children. Where the time of a measured window went, next to its wall time.
import { readFile, readdir } from 'node:fs/promises';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

interface ProcStat { pid: number; ppid: number; comm: string; cpuMs: number; reapedMs: number }

async function procStats(): Promise<ProcStat[]> {
  const stats: ProcStat[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const text = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const close = text.lastIndexOf(')');
    if (close === -1) continue;
    const fields = text.slice(close + 2).split(' ');
    stats.push({
      pid: Number(entry), ppid: Number(fields[1]), comm: text.slice(text.indexOf('(') + 1, close),
      cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND,
      reapedMs: ((Number(fields[13]) + Number(fields[14])) * 1000) / TICKS_PER_SECOND,
    });
  }
  return stats;
}

export interface CpuSample { node: number; postgres: number; git: number }

/** CPU milliseconds used so far; `postmasterPid` names the PostgreSQL server (null: not counted). */
export async function cpuSample(postmasterPid: number | null): Promise<CpuSample> {
  const stats = await procStats();
  const usage = process.cpuUsage();
  // Backends that have exited count in the postmaster's reaped-children time.
  const postgres = stats.filter((s) => s.pid === postmasterPid || s.ppid === postmasterPid)
    .reduce((sum, s) => sum + s.cpuMs + (s.pid === postmasterPid ? s.reapedMs : 0), 0);
  // The benchmark's own `git update-ref` (the pushes) is not the service's work.
  const gitChildren = stats.filter((s) => s.ppid === process.pid && s.comm === 'git');
  const cmdlines = await Promise.all(gitChildren.map((s) => readFile(`/proc/${s.pid}/cmdline`, 'utf8').catch(() => '')));
  const git = gitChildren.filter((_, i) => !cmdlines[i]!.includes('update-ref')).reduce((sum, s) => sum + s.cpuMs, 0);
  return { node: (usage.user + usage.system) / 1000, postgres, git };
}

/** Per event, between two samples: `node 1.2 ms, PostgreSQL 0.8 ms, git 0.1 ms of CPU per event`. */
export function cpuPerEvent(before: CpuSample, after: CpuSample, events: number): string {
  const f = (ms: number) => (ms / events).toFixed(2);
  return `CPU per event: node ${f(after.node - before.node)} ms, PostgreSQL ${f(after.postgres - before.postgres)} ms, ` +
    `git ${f(after.git - before.git)} ms (long-lived git children only)`;
}

/** The postmaster's pid, from the server itself. */
export async function postmasterPid(sql: (strings: TemplateStringsArray) => Promise<Array<{ pid: number }>>): Promise<number | null> {
  const [row] = await sql`select pid from pg_stat_activity where backend_type = 'client backend' and pid = pg_backend_pid()`;
  if (!row) return null;
  const stat = await readFile(`/proc/${row.pid}/stat`, 'utf8').catch(() => '');
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  return Number.isSafeInteger(ppid) && ppid > 0 ? ppid : null;
}
