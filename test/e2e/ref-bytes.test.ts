// Branch names that are not valid UTF-8 are bytes to git: two of them that a lenient decoder would both turn
// into `feature/x\ufffd` stay two refs, through the watcher (for-each-ref) and through the hook alike.
import { execFile } from 'node:child_process';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { Service } from '../../server/services/service.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, push, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { startTestService, waitFor } from '../support/service.js';

const db = useTestDatabase();
const services: Service[] = [];
afterAll(async () => {
  for (const s of services) await s.close();
  await removeTempDirs();
});

const CI = 'from plue import workflow, push\n\n@workflow(name="CI", on=push(branches=["feature/**"]))\ndef ci(ctx):\n    pass\n';

/** Pushes HEAD to a branch whose name ends in one raw byte (bash's $'\xNN' makes the byte; node's argv cannot). */
function pushToRawBranch(work: string, byte: string): Promise<unknown> {
  return promisify(execFile)('bash', ['-c', `git push -q origin $'HEAD:refs/heads/feature/x\\x${byte}'`], { cwd: work });
}

async function pushedRefs(repository: string): Promise<string[]> {
  const rows = await db.sql<{ ref: string }[]>`
    select e.payload->>'ref' as ref from events e join repositories r on r.id = e.repository_id
    where r.name = ${repository} and e.kind = 'push' order by e.id`;
  return rows.map((r) => r.ref);
}

describe.each([
  ['the watcher', true],
  ['the hook', false],
])('ref names as bytes, through %s', (_door, watch) => {
  it('two names that differ only in an invalid byte are two refs, and a push to one is one event', async () => {
    const reposDir = await createTempDir('plue-repos-');
    const name = watch ? 'watched' : 'hooked';
    const bare = await createBareRepo(path.join(reposDir, 'acme', `${name}.git`));
    const service = await startTestService({ databaseUrl: db.url, reposDir, watch });
    services.push(service);
    if (!watch) {
      await writeFile(path.join(bare, 'hooks', 'post-receive'), service.hookScript);
      await chmod(path.join(bare, 'hooks', 'post-receive'), 0o750);
    }
    const work = await createWorkRepo(bare);
    await commitFiles(work, { '.plue/workflows/ci.py': CI }, 'workflows');
    await push(work, 'main');
    await pushToRawBranch(work, 'ff');
    await pushToRawBranch(work, 'fe');
    await waitFor(async () => (await pushedRefs(name)).length >= 3 || null, 'the three pushes');
    await commitFiles(work, { 'a.txt': 'a' }, 'one more');
    await pushToRawBranch(work, 'fe');
    await waitFor(async () => (await pushedRefs(name)).length >= 4 || null, 'the fourth push');
    const refs = await pushedRefs(name);
    // The watcher may see the first pushes together, and records them in ref order.
    expect(refs.slice(0, 3).sort()).toEqual(['refs/heads/feature/x\\xfe', 'refs/heads/feature/x\\xff', 'refs/heads/main']);
    expect(refs.slice(3)).toEqual(['refs/heads/feature/x\\xfe']);
  });
});
