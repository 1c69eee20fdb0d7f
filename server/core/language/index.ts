// The workflow language: parsing `.plue/workflows/*.py` files into workflows and diagnostics.
export * from './model.js';
export { parseWorkflowFile, DEFAULT_MAX_BYTES } from './parse-workflow-file.js';
export type { ParseOptions } from './parse-workflow-file.js';
export { checkRepository } from './repository-checks.js';
export { defaultWorkflowName, isWorkflowPath, fileStem, WORKFLOWS_FOLDER } from './workflow-paths.js';
export { concurrencyError, CONCURRENCY_PLACEHOLDERS } from './concurrency.js';
export { DIAGNOSTIC_CODES } from './diagnostic-codes.js';
export type { DiagnosticCode } from './diagnostic-codes.js';
