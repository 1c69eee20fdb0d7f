// Times as people read them on a page.

/** `850 ms`, `12.3 s`, `4 min 05 s`, `2 h 07 min`. */
export function durationInWords(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
  return `${Math.floor(seconds / 3600)} h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')} min`;
}

/** The span from start to stop, or to `now` while it runs; null before it starts. */
export function elapsedMs(started: Date | null, stopped: Date | null, now: Date): number | null {
  if (started === null) return null;
  return Math.max(0, (stopped ?? now).getTime() - started.getTime());
}

/** An instant as UTC, to the second: `2026-11-30 00:41:07Z`. */
export function instantInWords(at: Date): string {
  return `${at.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}
