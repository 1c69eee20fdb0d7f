import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { createRepositoryFromFolder } from '../adapters/git/index.js';

/** With an empty repos folder, publishes `test-repo/` as the bare repository `demo/test-repo.git`. */
export async function createDemoRepository(reposDir: string, templateDir: string): Promise<string | null> {
  await mkdir(reposDir, { recursive: true });
  if ((await readdir(reposDir)).length > 0) return null;
  const bare = path.join(reposDir, 'demo', 'test-repo.git');
  await createRepositoryFromFolder(bare, templateDir, { branch: 'main', message: 'Demo repository for plue-trigger' });
  return bare;
}
