import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { watchReposDir } from '../../server/adapters/watch/repos-dir-watcher.js';
import { createTempDir, removeTempDirs } from '../git/fixtures.js';
import { waitFor } from '../support/service.js';

afterAll(removeTempDirs);

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const watcher of open.splice(0)) await watcher.close();
});

// Real folders and the kernel's events: what the service hears when repositories come and go under the repos folder.
describe('watchReposDir', () => {
  async function watching() {
    const reposDir = await createTempDir('plue-reposdir-');
    await mkdir(path.join(reposDir, 'acme', 'old.git'), { recursive: true });
    const appeared: string[] = [];
    let changes = 0;
    open.push(watchReposDir(reposDir, { debounceMs: 5, onChange: () => changes++, onAppeared: (folder) => appeared.push(folder) }));
    return { reposDir, appeared, changes: () => changes };
  }

  it('names a repository folder made under a known owner, or renamed into place, and says something changed', async () => {
    const { reposDir, appeared, changes } = await watching();
    await mkdir(path.join(reposDir, 'acme', 'new.git'));
    await waitFor(async () => appeared.includes(path.join(reposDir, 'acme', 'new.git')) && changes() > 0, 'the new folder named');
    await mkdir(path.join(reposDir, 'acme', '.copying.git'));
    await rename(path.join(reposDir, 'acme', '.copying.git'), path.join(reposDir, 'acme', 'copied.git'));
    await waitFor(async () => appeared.includes(path.join(reposDir, 'acme', 'copied.git')), 'the folder renamed into place named');
  });

  it('names the repositories of a new owner, made with it or after it', async () => {
    const { reposDir, appeared } = await watching();
    await mkdir(path.join(reposDir, 'newco', 'first.git'), { recursive: true });
    await waitFor(async () => appeared.includes(path.join(reposDir, 'newco', 'first.git')), 'the repository made with its owner');
    await mkdir(path.join(reposDir, 'newco', 'second.git'));
    await waitFor(async () => appeared.includes(path.join(reposDir, 'newco', 'second.git')), 'the repository made after its owner');
    expect(appeared).toContain(path.join(reposDir, 'newco'));
  });

  it('says something changed when a repository or an owner goes', async () => {
    const { reposDir, changes } = await watching();
    await rm(path.join(reposDir, 'acme', 'old.git'), { recursive: true });
    await waitFor(async () => changes() >= 1, 'the removal heard');
    const before = changes();
    await rm(path.join(reposDir, 'acme'), { recursive: true });
    await waitFor(async () => changes() > before, 'the owner removal heard');
  });
});
