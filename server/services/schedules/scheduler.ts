import type { Logger } from 'pino';
import type { Sql } from '../../adapters/db/connect.js';
import { recordEvent } from '../../adapters/db/events.js';
import { earliestScheduleInstant, lockDueSchedules, saveScheduleCheck } from '../../adapters/db/schedules.js';
import type { DueSchedule } from '../../adapters/db/schedules.js';
import { dueInstant } from '../../core/schedule/index.js';
import { asError } from '../../logger.js';

// Fires `schedule` events. Every replica runs one; each due schedule is taken with SKIP LOCKED, and the event's
// dedup key names the definition, zone, cron and instant, so an instant fires once however many replicas, restarts
// or retries there are. Nothing is kept in memory: where each schedule stands is in its row.
//
// After downtime there is no storm: of the instants missed, only the latest fires, and only when it is younger
// than the catch-up window (PLUE_SCHEDULE_CATCH_UP); the others are counted in the event and skipped.

export interface SchedulerOptions {
  /** How late a missed instant may still fire. */
  catchUpMs: number;
  /** The longest sleep between looks, so schedules another replica added are seen. Default 1 s. */
  maxSleepMs?: number;
  /** Schedules handled per transaction. Default 100. */
  batch?: number;
  clock?(): Date;
  /** An event was recorded for the repository: trigger it now. */
  onFired?(repositoryId: number): void;
}

export interface FiredSchedule {
  schedule_id: number;
  repository_id: number;
  instant: Date;
  /** Null when this instant had already fired (another replica, or before a restart). */
  event_id: number | null;
}

// An instant this late is on time, not caught up: it fires even with catch-up off (a slow look, a busy database).
const ON_TIME_MS = 60_000;

// A cron that names no later instant (validation keeps these out) is parked here rather than looked at again.
const NEVER = new Date('9999-12-31T00:00:00Z');

export const scheduleDedupKey = (s: Pick<DueSchedule, 'workflow_definition_id' | 'cron' | 'timezone'>, instant: Date): string =>
  `schedule:${s.workflow_definition_id}:${s.timezone}:${s.cron}:${instant.toISOString()}`;

export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(private readonly sql: Sql, private readonly log: Logger, private readonly options: SchedulerOptions) {}

  private now(): Date {
    return this.options.clock?.() ?? new Date();
  }

  start(): void {
    this.wake(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running.catch(() => undefined);
  }

  /** Fires everything due now; returns what it fired (tests and benchmarks call it directly too). */
  async fireDue(): Promise<FiredSchedule[]> {
    const batch = this.options.batch ?? 100;
    const fired: FiredSchedule[] = [];
    for (;;) {
      const { handled, events } = await this.fireBatch(batch);
      fired.push(...events);
      if (handled < batch || this.stopped) break;
    }
    for (const repositoryId of new Set(fired.filter((f) => f.event_id !== null).map((f) => f.repository_id))) {
      this.options.onFired?.(repositoryId);
    }
    return fired;
  }

  private wake(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.look().then((nextMs) => this.wake(nextMs));
    }, delayMs);
    this.timer.unref();
  }

  /** One look: fires what is due, then says how long to sleep (until the earliest instant, at most maxSleepMs). */
  private async look(): Promise<number> {
    const maxSleep = this.options.maxSleepMs ?? 1000;
    try {
      await this.fireDue();
      const earliest = await earliestScheduleInstant(this.sql);
      if (earliest === null) return maxSleep;
      return Math.min(maxSleep, Math.max(0, earliest.getTime() - this.now().getTime()));
    } catch (error) {
      this.log.warn({ err: asError(error) }, 'scheduler: cannot fire schedules; will retry');
      return maxSleep;
    }
  }

  private fireBatch(limit: number): Promise<{ handled: number; events: FiredSchedule[] }> {
    return this.sql.begin(async (tx) => {
      const now = this.now();
      const due = await lockDueSchedules(tx, now, limit);
      const events: FiredSchedule[] = [];
      for (const schedule of due) {
        const { fire, missed, next } = dueInstant(schedule, schedule.checked_through, now, Math.max(ON_TIME_MS, this.options.catchUpMs));
        let eventId: number | null = null;
        if (fire !== null) {
          eventId = await recordEvent(tx, {
            repository_id: schedule.repository_id, kind: 'schedule', source: 'scheduler',
            dedup_key: scheduleDedupKey(schedule, fire),
            payload: {
              scheduled_at: fire.toISOString(), cron: schedule.cron, timezone: schedule.timezone,
              workflow: { path: schedule.workflow_path, function: schedule.function_name, name: schedule.workflow_name },
              missed_instants: missed,
            },
          });
          events.push({ schedule_id: schedule.id, repository_id: schedule.repository_id, instant: fire, event_id: eventId });
        }
        if (missed > 0) {
          this.log.info({ schedule: schedule.id, workflow: schedule.workflow_path, cron: schedule.cron, missed },
            `scheduler: ${missed} missed instant(s) of ${schedule.workflow_path} not replayed (catch-up policy)`);
        }
        await saveScheduleCheck(tx, schedule.id, {
          checked_through: now, next_at: next ?? NEVER, ...(fire !== null ? { fired: { instant: fire, event_id: eventId } } : {}),
        });
      }
      return { handled: due.length, events };
    });
  }
}
