import { constants } from 'node:fs';
import { lstat, mkdir, open, rm } from 'node:fs/promises';
import path from 'node:path';
import { CONTEXT_FOLDER, contextNameProblem } from '../core/trigger/context-files.js';

// Writes a run's context files into `trigger-context/` of the workspace before the workflow starts. The server
// checked the names; they are checked again here, since nothing a server sends may land outside that folder.

export async function writeContextFolder(workspace: string, files: Readonly<Record<string, string>>): Promise<string[]> {
  const folder = path.join(workspace, CONTEXT_FOLDER);
  // The checkout may hold a file or a symbolic link by that name: it goes (rm removes a link, never its target).
  await rm(folder, { recursive: true, force: true });
  await mkdir(folder, { mode: 0o755 });
  if (!(await lstat(folder)).isDirectory()) throw new Error(`${CONTEXT_FOLDER}/ is not a folder`);
  const written: string[] = [];
  for (const [name, text] of Object.entries(files)) {
    const problem = contextNameProblem(name);
    if (problem) throw new Error(`the server sent a context file named ${JSON.stringify(name)}: ${problem.message}`);
    if (typeof text !== 'string') throw new Error(`the server sent context file ${JSON.stringify(name)} without text`);
    const file = path.join(folder, name);
    if (path.dirname(file) !== folder) throw new Error(`context file ${JSON.stringify(name)} would leave ${CONTEXT_FOLDER}/`);
    // O_EXCL and O_NOFOLLOW: a new file, never through a link, never over another.
    const handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    try {
      await handle.writeFile(text, 'utf8');
    } finally {
      await handle.close();
    }
    written.push(name);
  }
  return written;
}
