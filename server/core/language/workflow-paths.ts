// Which files are workflow files, and the default workflow name.

/** The folder that holds a repository's workflow files; every other spelling of it is built from this one. */
export const WORKFLOWS_FOLDER = '.plue/workflows';

/** True for `*.py` directly inside `.plue/workflows/` (repository-relative, forward slashes). */
export function isWorkflowPath(path: string): boolean {
  const relative = path.startsWith('./') ? path.slice(2) : path;
  if (!relative.startsWith(`${WORKFLOWS_FOLDER}/`)) return false;
  const file = relative.slice(WORKFLOWS_FOLDER.length + 1);
  return file.length > '.py'.length && file.endsWith('.py') && !file.includes('/');
}

/** File name without directory and `.py`: `ci` for `.plue/workflows/ci.py`. */
export function fileStem(path: string): string {
  const file = path.slice(path.lastIndexOf('/') + 1);
  return file.endsWith('.py') ? file.slice(0, -'.py'.length) : file;
}

/**
 * The name of a workflow without `name=`: the file stem when the file holds exactly one workflow
 * (`ci` for `ci.py`), otherwise the function's name.
 */
export function defaultWorkflowName(path: string, functionName: string, workflowsInFile: number): string {
  return workflowsInFile === 1 ? fileStem(path) : functionName;
}
