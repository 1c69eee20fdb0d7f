import type { LogState } from '../../adapters/db/logs.js';

// Which lines of a log append are new, and what is kept of them. Pure, so the offset and limit rules are tested
// without a database.

export interface LogLimits {
  /** Longer lines are cut (with a marker) rather than refused. */
  maxLineChars: number;
  /** Per task attempt; past it lines are counted but not stored, after one marker line. */
  maxTaskBytes: number;
  maxTaskLines: number;
}

export const DEFAULT_LOG_LIMITS: LogLimits = { maxLineChars: 16 * 1024, maxTaskBytes: 16 * 1024 * 1024, maxTaskLines: 200_000 };

export type LogPlan =
  | { kind: 'gap'; expected: number }
  | { kind: 'append'; firstLine: number; lines: string[]; next: LogState };

export function truncatedMarker(limits: LogLimits): string {
  return `[plue] log truncated: the limit of ${limits.maxTaskLines} lines or ${limits.maxTaskBytes} bytes per task was reached`;
}

/**
 * `offset` is the task-wide number of `lines[0]`. Lines below the stored count were received before (a retry) and
 * are skipped; an offset past the count would leave a hole, so it is refused with the offset expected.
 */
export function planLogAppend(state: LogState, offset: number, lines: readonly string[], limits: LogLimits): LogPlan {
  if (offset > state.log_lines) return { kind: 'gap', expected: state.log_lines };
  const fresh = lines.slice(state.log_lines - offset);
  const kept: string[] = [];
  let bytes = state.log_bytes;
  let truncated = state.log_truncated;
  for (const raw of fresh) {
    if (truncated) break;
    const line = cleanLine(raw, limits.maxLineChars);
    const size = Buffer.byteLength(line);
    if (bytes + size > limits.maxTaskBytes || state.log_lines + kept.length + 1 >= limits.maxTaskLines) {
      kept.push(truncatedMarker(limits));
      truncated = true;
      break;
    }
    kept.push(line);
    bytes += size;
  }
  return {
    kind: 'append',
    firstLine: state.log_lines,
    lines: kept,
    next: { log_lines: state.log_lines + fresh.length, log_bytes: bytes, log_truncated: truncated },
  };
}

/** PostgreSQL text cannot hold NUL; a trailing CR is the rest of a CRLF line ending. */
export function cleanLine(line: string, maxChars: number): string {
  const clean = line.replace(/\0/g, '').replace(/\r$/, '');
  return clean.length <= maxChars ? clean : `${clean.slice(0, maxChars)} [plue: line cut at ${maxChars} characters]`;
}
