import { parseArgs } from 'node:util';
import { diagnosticLine } from '../core/language/diagnostics.js';
import { WORKFLOWS_FOLDER } from '../core/language/workflow-paths.js';
import { hasErrors } from '../core/language/model.js';
import type { ParsedFile } from '../core/language/model.js';
import type { CommandIO } from './io.js';
import { UsageError } from './usage.js';
import { collectWorkflowPaths, noWorkflowsMessage, parseWorkflowPaths } from './workflow-files.js';

const HELP = `usage: plue-trigger check [--json] [--max-bytes N] [PATH...]

Lints workflow files. PATH is a file or a folder (a folder means its ${WORKFLOWS_FOLDER}/*.py,
or its *.py when it has no ${WORKFLOWS_FOLDER}). Default: the ${WORKFLOWS_FOLDER} of the current folder, or of
the nearest folder above it that has one (up to the repository's top).
Exit status: 0 no error, 1 any error (or no workflows folder), 2 bad usage.`;

export function formatDiagnostics(files: ParsedFile[]): string[] {
  return files.flatMap((file) =>
    file.diagnostics.map((d) => diagnosticLine(file.path, d)),
  );
}

export async function runCheck(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean', default: false },
      'max-bytes': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    io.out(HELP);
    return 0;
  }
  const maxBytes = values['max-bytes'] === undefined ? undefined : Number(values['max-bytes']);
  if (maxBytes !== undefined && !(Number.isInteger(maxBytes) && maxBytes > 0)) {
    throw new UsageError(`--max-bytes must be a positive integer, got ${values['max-bytes']}`);
  }
  const paths = await collectWorkflowPaths(positionals, io.cwd);
  if (paths === null) {
    io.err(`plue-trigger check: ${noWorkflowsMessage(io.cwd)}`);
    return 1;
  }
  const files = await parseWorkflowPaths(paths, io.cwd, maxBytes === undefined ? {} : { maxBytes });
  const failed = files.some(hasErrors);

  if (values.json) {
    io.out(JSON.stringify({ files }, null, 2));
  } else {
    for (const line of formatDiagnostics(files)) io.out(line);
    const errors = files.reduce((n, f) => n + f.diagnostics.filter((d) => d.severity === 'error').length, 0);
    const workflows = files.reduce((n, f) => n + f.workflows.length, 0);
    io.err(`${files.length} file(s), ${workflows} workflow(s), ${errors} error(s)`);
  }
  return failed ? 1 : 0;
}
