import pino from 'pino';
import type { Logger } from 'pino';

/** The service logs to standard output; a command whose output is data logs to standard error (`toStderr`). */
export function createLogger(level: string, options: { toStderr?: boolean } = {}): Logger {
  const settings = { level, base: { service: 'plue-trigger' } };
  return options.toStderr ? pino(settings, pino.destination(2)) : pino(settings);
}

/** What to log as `err`: an Error as it is, so pino keeps its stack and code; anything else thrown, wrapped. */
export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
