import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GitError, runGit, spawnGit } from '../adapters/git/run.js';

// The workspace as a shallow git checkout of the task's commit (as a clone of depth 1 makes it), from the pack the
// server sends (`pack_url`): `git rev-parse HEAD`, `git log -1` and `git diff` work in a workflow. A branch is
// checked out as that branch; anything else (a tag, a commit) as a detached HEAD.

export async function checkoutCommit(pack: Readable, workspace: string, commit: { sha: string; ref: string }): Promise<void> {
  const inWorkspace = { cwd: workspace };
  await runGit(['init', '-q', workspace]);
  await indexPack(pack, workspace);
  // Its parents are not here: the shallow file tells git the history ends at this commit.
  await writeFile(path.join(workspace, '.git', 'shallow'), `${commit.sha}\n`);
  if (commit.ref.startsWith('refs/heads/')) {
    await runGit(['update-ref', commit.ref, commit.sha], inWorkspace);
    await runGit(['symbolic-ref', 'HEAD', commit.ref], inWorkspace);
  } else {
    if (commit.ref.startsWith('refs/tags/')) await runGit(['update-ref', commit.ref, commit.sha], inWorkspace);
    await runGit(['update-ref', '--no-deref', 'HEAD', commit.sha], inWorkspace);
  }
  await runGit(['reset', '-q', '--hard'], inWorkspace);
}

async function indexPack(pack: Readable, workspace: string): Promise<void> {
  const child = spawnGit(['index-pack', '--stdin'], { cwd: workspace, stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const fed = pipeline(pack, child.stdin!).then(() => null, (error: unknown) => error);
  const code = await exited;
  const feedError = await fed;
  if (code !== 0) throw new GitError(`git index-pack exited with ${code}: ${stderr.trim()}`, ['index-pack', '--stdin'], code, stderr, null);
  if (feedError) throw feedError;
}
