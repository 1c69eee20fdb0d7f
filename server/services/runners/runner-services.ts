import type { Logger } from 'pino';
import type { Sql } from '../../adapters/db/connect.js';
import { RUN_EVENTS_CHANNEL } from '../../adapters/db/run-events.js';
import { CANCELS_CHANNEL } from '../../adapters/db/tasks.js';
import { Claims } from './claim.js';
import { Completions } from './completions.js';
import { LeaseSweeper } from './lease-sweeper.js';
import { RunnerAuth } from './runner-auth.js';
import { DEFAULT_LOG_LIMITS } from './log-plan.js';
import type { LogLimits } from './log-plan.js';
import { RunSignals } from './run-signals.js';
import { TaskWakeups } from './wakeups.js';

// What the runner endpoints need in one process: settings, the wake-ups (claims wait for tasks, heartbeats for
// cancels, waits for events) and the lease sweeper.

export const MAX_WAIT_SECONDS = 60;

/** A held heartbeat ends well inside the lease it renewed, so the lease in its reply is still good. */
export function maxHeartbeatWaitSeconds(leaseSeconds: number): number {
  return Math.min(MAX_WAIT_SECONDS, leaseSeconds / 2);
}

export interface RunnerSettings {
  registrationToken: string;
  leaseSeconds: number;
  maxAttempts: number;
}

export interface RunnerServiceOptions {
  /** How often the sweeper looks for expired leases. Default: a quarter of the lease, from 0.2 to 5 s. */
  sweepMs?: number;
  /** Fallback wake-up without notification. Default 5 s; 0 turns it off. */
  pollMs?: number;
  pingMs?: number;
  logLimits?: Partial<LogLimits>;
}

export interface RunnerServices {
  sql: Sql;
  settings: RunnerSettings;
  logLimits: LogLimits;
  wakeups: TaskWakeups;
  /** Runners by token, kept once found. */
  auth: RunnerAuth;
  /** Claim statements, shared by the claims that arrive together. */
  claims: Claims;
  /** Final statuses, written in batches. */
  completions: Completions;
  /** Held heartbeats wait here for their run to be cancelled. */
  runSignals: RunSignals;
  /** Held waits (`ctx.wait_for`) wait here for an event raised for their run. */
  runEvents: RunSignals;
  sweeper: LeaseSweeper;
  stop(): Promise<void>;
}

export async function startRunnerServices(
  sql: Sql,
  log: Logger,
  settings: RunnerSettings,
  options: RunnerServiceOptions = {},
): Promise<RunnerServices> {
  const wakeups = new TaskWakeups(sql, log.child({ component: 'runners' }), { pollMs: options.pollMs, pingMs: options.pingMs });
  await wakeups.start();
  const runSignals = new RunSignals(sql, log.child({ component: 'runners' }), CANCELS_CHANNEL, { pingMs: options.pingMs });
  await runSignals.start();
  const runEvents = new RunSignals(sql, log.child({ component: 'runners' }), RUN_EVENTS_CHANNEL, { pingMs: options.pingMs });
  await runEvents.start();
  const sweepMs = options.sweepMs ?? Math.min(5_000, Math.max(200, (settings.leaseSeconds * 1000) / 4));
  const sweeper = new LeaseSweeper(sql, log.child({ component: 'lease-sweeper' }), { maxAttempts: settings.maxAttempts, intervalMs: sweepMs });
  sweeper.start();
  return {
    sql,
    settings,
    logLimits: { ...DEFAULT_LOG_LIMITS, ...options.logLimits },
    wakeups,
    auth: new RunnerAuth(sql),
    claims: new Claims(sql, settings.leaseSeconds),
    completions: new Completions(sql),
    runSignals,
    runEvents,
    sweeper,
    stop: async () => {
      await wakeups.close();
      await runSignals.close();
      await runEvents.close();
      await sweeper.stop();
    },
  };
}
