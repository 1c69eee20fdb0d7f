import type { Diagnostic, ParsedFile } from '../language/model.js';

// What an event's result keeps of the workflow files it read: their errors, each with its file, so that the
// event record (and the pusher, through the post-receive hook) can say what is wrong and where. Pure.

export interface EventDiagnostic extends Diagnostic {
  path: string;
}

/** An event that read a thousand broken files keeps this many of their errors. */
export const MAX_EVENT_DIAGNOSTICS = 100;

export function eventDiagnostics(files: ReadonlyArray<Pick<ParsedFile, 'path' | 'diagnostics'>>, max = MAX_EVENT_DIAGNOSTICS): EventDiagnostic[] {
  return files
    .flatMap((file) => file.diagnostics.filter((d) => d.severity === 'error').map((d) => ({ path: file.path, ...d })))
    .slice(0, max);
}
