import pino from 'pino';
import type { Logger } from 'pino';

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'plue-trigger' } });
}

/** What to log as `err`: an Error as it is, so pino keeps its stack and code; anything else thrown, wrapped. */
export function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
