// Runs in a worker thread of the untrusted-work pool (pool.ts): parsing and matching of repository content,
// which a hostile repository can make slow, away from the event loop that serves HTTP and runners.
import { loadPythonParser } from '../../adapters/tree-sitter.js';
import { parseWorkflowFile } from '../../core/language/index.js';
import type { ParsedFile } from '../../core/language/model.js';
import { matchEvent } from '../../core/match/index.js';
import type { MatchResult, TriggerEvent } from '../../core/match/event.js';

export interface ParseTask {
  files: Array<{ path: string; bytes: Uint8Array }>;
  maxBytes: number;
}

export interface MatchTask {
  event: TriggerEvent;
  files: ParsedFile[];
}

export async function parseFiles(task: ParseTask): Promise<ParsedFile[]> {
  const parser = await loadPythonParser();
  return task.files.map((file) => parseWorkflowFile(parser, file.path, file.bytes, { maxBytes: task.maxBytes }));
}

export function match(task: MatchTask): MatchResult {
  return matchEvent(task.event, task.files);
}
