import { hasErrors } from '../language/model.js';
import type { Diagnostic, ParsedFile, Trigger } from '../language/model.js';

export type DefinitionState = 'active' | 'invalid' | 'deleted';

export interface DefinitionInput {
  file_path: string;
  file_sha: string;
  /** '' for a file-level row (a file with no workflow, or too broken to find one). */
  function_name: string;
  name: string;
  events: string[];
  triggers: Trigger[];
  is_agent_workflow: boolean;
  runs_on: string[];
  diagnostics: Diagnostic[];
  state: Exclude<DefinitionState, 'deleted'>;
}

/** The definition rows that describe a default branch's parsed workflow files. */
export function definitionsFromFiles(files: Array<ParsedFile & { blobSha: string }>): DefinitionInput[] {
  return files.flatMap((file): DefinitionInput[] => {
    const state = hasErrors(file) ? 'invalid' : 'active';
    if (file.workflows.length === 0) {
      if (!hasErrors(file)) return [];
      return [{
        file_path: file.path, file_sha: file.blobSha, function_name: '', name: fileStem(file.path), events: [],
        triggers: [], is_agent_workflow: false, runs_on: [], diagnostics: file.diagnostics, state,
      }];
    }
    return file.workflows.map((w) => ({
      file_path: file.path,
      file_sha: file.blobSha,
      function_name: w.function,
      name: w.name,
      events: [...new Set(w.triggers.map((t) => t.event))],
      triggers: w.triggers,
      is_agent_workflow: w.agent,
      runs_on: w.runs_on,
      diagnostics: file.diagnostics,
      state,
    }));
  });
}

function fileStem(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return base.endsWith('.py') ? base.slice(0, -3) : base;
}
