import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../server/services/service.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, git, push, removeTempDirs, ZERO_ID } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { runsOf, startTestService, waitFor, waitForPushTriggered } from '../support/service.js';

const CI = `from plue import workflow, push

@workflow(
    name="CI",
    on=[push(branches=["main", "feature/**"], paths_ignore=["docs/**"])],  # not for docs-only changes
)
async def ci(ctx):
    pass
`;

const RELEASE = `from plue import workflow, push

@workflow(name="Release", on=push(tags=["v*"]))
async def release(ctx):
    pass
`;

afterAll(removeTempDirs);

// The same pushes through each door alone: the file watcher, and the post-receive hook (watcher off).
describe.each(['watcher', 'hook'] as const)('push pipeline through the %s', (door) => {
  const db = useTestDatabase();
  let reposDir: string;
  let bare: string;
  let work: string;
  let service: Service;

  beforeAll(async () => {
    reposDir = await createTempDir('plue-repos-');
    bare = await createBareRepo(path.join(reposDir, 'acme', 'app.git'));
    work = await createWorkRepo(bare);
    await commitFiles(work, { '.plue/workflows/ci.py': CI, '.plue/workflows/release.py': RELEASE, 'README.md': 'hi' }, 'initial');
    await push(work, 'main');
    service = await startTestService({ databaseUrl: db.url, reposDir, watch: door === 'watcher', env: { PLUE_PUBLIC_READ: '1' } });
    if (door === 'hook') {
      await writeFile(path.join(bare, 'hooks', 'post-receive'), service.hookScript);
      await chmod(path.join(bare, 'hooks', 'post-receive'), 0o755);
    }
  });

  afterAll(async () => {
    await service?.close();
  });

  const names = async () => (await runsOf(db.sql, 'acme', 'app')).map((r) => `${r.workflow_name}@${r.ref}`);

    it('records refs that existed before the first start as a baseline and starts nothing', async () => {
      expect(await names()).toEqual([]);
      const workflows = await db.sql`select name, state from workflow_definitions order by name`;
      expect(workflows).toEqual([{ name: 'CI', state: 'active' }, { name: 'Release', state: 'active' }]);
    });

    it('starts matching workflows for a push to main, with a waiting job and task holding the source', async () => {
      const sha = await commitFiles(work, { 'src/app.py': 'print(1)' }, 'add app');
      await push(work, 'main');
      await waitForPushTriggered(db.sql, 'refs/heads/main', sha);
      const runs = await runsOf(db.sql, 'acme', 'app');
      expect(runs.map((r) => [r.workflow_name, r.ref, r.commit_sha, r.status, r.run_number])).toEqual([
        ['CI', 'refs/heads/main', sha, 5, 1],
      ]);
      const [task] = await db.sql<{ workflow_content: string; status: number; workflow_path: string }[]>`
        select t.workflow_content, t.status, t.workflow_path from workflow_tasks t
        join workflow_jobs j on j.id = t.job_id join workflow_runs r on r.id = j.run_id where r.commit_sha = ${sha}`;
      expect(task).toEqual({ workflow_content: CI, status: 5, workflow_path: '.plue/workflows/ci.py' });
    });

    it('skips a docs-only push through paths_ignore, and says why', async () => {
      const before = (await names()).length;
      const sha = await commitFiles(work, { 'docs/guide.md': '# guide' }, 'docs');
      await push(work, 'main');
      const result = await waitForPushTriggered(db.sql, 'refs/heads/main', sha);
      expect(result.runs).toEqual([]);
      expect(result.skipped.find((s) => s.name === 'CI')?.reason).toMatch(/paths/);
      expect((await names()).length).toBe(before);
    });

    it('starts CI for a new feature branch and nothing for a branch outside the filter', async () => {
      await git(['checkout', '-q', '-b', 'feature/login'], work);
      const sha = await commitFiles(work, { 'src/login.py': 'x = 1' }, 'login');
      await push(work, 'feature/login');
      await waitForPushTriggered(db.sql, 'refs/heads/feature/login', sha);
      await git(['checkout', '-q', '-b', 'experiment'], work);
      const other = await commitFiles(work, { 'src/exp.py': 'y = 2' }, 'exp');
      await push(work, 'experiment');
      await waitForPushTriggered(db.sql, 'refs/heads/experiment', other);
      const runs = await names();
      expect(runs.filter((r) => r === 'CI@refs/heads/feature/login')).toHaveLength(1);
      expect(runs.some((r) => r.endsWith('experiment'))).toBe(false);
      await git(['checkout', '-q', 'main'], work);
    });

    it('starts the release workflow for a tag push, and only that', async () => {
      const head = await git(['rev-parse', 'HEAD'], work);
      await git(['tag', '-a', 'v1.0.0', '-m', 'release'], work);
      await push(work, 'v1.0.0');
      const tagObject = await git(['rev-parse', 'v1.0.0'], work);
      await waitForPushTriggered(db.sql, 'refs/tags/v1.0.0', tagObject);
      const runs = await runsOf(db.sql, 'acme', 'app');
      const release = runs.filter((r) => r.ref === 'refs/tags/v1.0.0');
      expect(release.map((r) => [r.workflow_name, r.commit_sha])).toEqual([['Release', head]]);
    });

    it('triggers a forced push and starts nothing for a deleted branch', async () => {
      await git(['checkout', '-q', 'feature/login'], work);
      await git(['reset', '-q', '--hard', 'HEAD~1'], work);
      const forced = await commitFiles(work, { 'src/login.py': 'x = 2' }, 'rewrite');
      await push(work, 'feature/login', { force: true });
      await waitForPushTriggered(db.sql, 'refs/heads/feature/login', forced);
      const [event] = await db.sql<{ forced: boolean }[]>`
        select (event_payload->>'forced')::boolean as forced from workflow_runs where commit_sha = ${forced}`;
      expect(event?.forced).toBe(true);

      const before = (await names()).length;
      await git(['push', '-q', 'origin', '--delete', 'feature/login'], work);
      const result = await waitForPushTriggered(db.sql, 'refs/heads/feature/login', ZERO_ID);
      expect(result.runs).toEqual([]);
      expect((await names()).length).toBe(before);
      await git(['checkout', '-q', 'main'], work);
    });

    it('uses the workflow files of the pushed commit: a changed trigger applies to that very push', async () => {
      const sha = await commitFiles(work, {
        '.plue/workflows/ci.py': CI.replace('name="CI"', 'name="CI v2"'),
      }, 'rename CI');
      await push(work, 'main');
      await waitForPushTriggered(db.sql, 'refs/heads/main', sha);
      const runs = await runsOf(db.sql, 'acme', 'app');
      expect(runs.at(-1)).toMatchObject({ workflow_name: 'CI v2', commit_sha: sha });
      const definitions = await db.sql`select name, state from workflow_definitions where function_name = 'ci'`;
      expect(definitions).toEqual([{ name: 'CI v2', state: 'active' }]);
    });

    it('an invalid workflow file starts nothing and its definition carries the diagnostics', async () => {
      const sha = await commitFiles(work, {
        '.plue/workflows/broken.py': 'from plue import workflow\n\n@workflow(name="Broken", on=["pushh"])\nasync def broken(ctx):\n    pass\n',
      }, 'broken workflow');
      await push(work, 'main');
      await waitForPushTriggered(db.sql, 'refs/heads/main', sha);
      const runs = await runsOf(db.sql, 'acme', 'app');
      expect(runs.filter((r) => r.commit_sha === sha).map((r) => r.workflow_name)).toEqual(['CI v2']);
      const [broken] = await db.sql<{ state: string; diagnostics: Array<{ code: string; line: number }> }[]>`
        select state, diagnostics from workflow_definitions where file_path = '.plue/workflows/broken.py'`;
      expect(broken?.state).toBe('invalid');
      expect(broken?.diagnostics[0]).toMatchObject({ code: 'unknown-event', line: 3 });
    });

    it('numbers runs 1, 2, 3… per repository without gaps', async () => {
      const numbers = (await runsOf(db.sql, 'acme', 'app')).map((r) => r.run_number);
      expect(numbers).toEqual(numbers.map((_, i) => i + 1));
    });

    it('lists workflows and runs over HTTP', async () => {
      const workflows = await service.app.inject({ url: '/api/repos/acme/app/workflows' });
      expect(workflows.statusCode).toBe(200);
      expect(workflows.json().workflows.map((w: { name: string; state: string }) => `${w.name}:${w.state}`).sort())
        .toEqual(['Broken:invalid', 'CI v2:active', 'Release:active']);
      const runs = await service.app.inject({ url: '/api/repos/acme/app/runs?per_page=2' });
      expect(runs.statusCode).toBe(200);
      const body = runs.json();
      expect(body.runs).toHaveLength(2);
      expect(body.runs[0]).toMatchObject({ status: 'waiting', event: 'push', workflow: { path: expect.any(String) } });
      expect(body.runs[0].id).toBeGreaterThan(body.runs[1].id);
      expect((await service.app.inject({ url: '/api/repos/acme/nope/runs' })).statusCode).toBe(404);
      expect((await service.app.inject({ url: '/api/repos/acme/app/runs?per_page=1000' })).statusCode).toBe(400);
    });

    it.runIf(door === 'watcher')('notices a repository created while running, and triggers its first push', async () => {
      const newBare = await createBareRepo(path.join(reposDir, 'acme', 'fresh.git'));
      await waitFor(async () => service.registry.get('acme/fresh'), 'the new repository to be watched');
      const w = await createWorkRepo(newBare);
      const sha = await commitFiles(w, { '.plue/workflows/ci.py': CI }, 'first');
      await push(w, 'main');
      await waitForPushTriggered(db.sql, 'refs/heads/main', sha);
      expect((await runsOf(db.sql, 'acme', 'fresh')).map((r) => r.workflow_name)).toEqual(['CI']);
    });

    it('triggers a repeated update again: A→B, back to A, then A→B once more', async () => {
      await git(['checkout', '-q', 'main'], work);
      const a = await git(['rev-parse', 'HEAD'], work);
      const b = await commitFiles(work, { 'src/again.py': 'x = 1' }, 'again');
      await push(work, 'main');
      await waitForPushTriggered(db.sql, 'refs/heads/main', b);
      await git(['push', '-q', '--force', 'origin', `${a}:refs/heads/main`], work);
      await waitFor(async () => (await db.sql`
        select 1 from events where payload->>'before' = ${b} and payload->>'after' = ${a} and status = 'processed'`).length === 1, 'the push back to A');
      await git(['push', '-q', '--force', 'origin', `${b}:refs/heads/main`], work);
      await waitFor(async () => (await runsOf(db.sql, 'acme', 'app')).filter((r) => r.commit_sha === b).length === 2, 'a second run for the repeated update');
    });

    it('triggers a tag deleted and pushed again at the same commit', async () => {
      await git(['tag', 'v2.0.0'], work);
      const head = await git(['rev-parse', 'HEAD'], work);
      await push(work, 'v2.0.0');
      await waitForPushTriggered(db.sql, 'refs/tags/v2.0.0', head);
      await git(['push', '-q', 'origin', '--delete', 'v2.0.0'], work);
      await waitForPushTriggered(db.sql, 'refs/tags/v2.0.0', ZERO_ID);
      await push(work, 'v2.0.0');
      await waitFor(async () => (await runsOf(db.sql, 'acme', 'app')).filter((r) => r.ref === 'refs/tags/v2.0.0').length === 2, 'a second release run');
    });

    it('gives two new branches pushed together the commits neither had before', async () => {
      const sha = await commitFiles(work, { 'src/twin.py': 'twin = 1' }, 'twins');
      await git(['push', '-q', 'origin', 'HEAD:refs/heads/feature/twin-a', 'HEAD:refs/heads/feature/twin-b'], work);
      await waitForPushTriggered(db.sql, 'refs/heads/feature/twin-a', sha);
      await waitForPushTriggered(db.sql, 'refs/heads/feature/twin-b', sha);
      const refs = (await runsOf(db.sql, 'acme', 'app')).filter((r) => r.commit_sha === sha).map((r) => r.ref).sort();
      expect(refs).toEqual(['refs/heads/feature/twin-a', 'refs/heads/feature/twin-b']);
      await git(['reset', '-q', '--hard', 'HEAD~1'], work);
    });

    it('records nothing for refs other than branches and tags', async () => {
      await git(['notes', 'add', '-m', 'a note'], work);
      await git(['push', '-q', 'origin', 'refs/notes/commits'], work);
      const marker = await commitFiles(work, { 'src/marker.py': 'm = 1' }, 'marker');
      await push(work, 'main');
      await waitForPushTriggered(db.sql, 'refs/heads/main', marker);
      expect(await db.sql`select 1 from events where payload->>'ref' like 'refs/notes/%'`).toEqual([]);
    });

    it.runIf(door === 'watcher')('follows the default branch when HEAD is pointed at another branch', async () => {
      const trunk = 'from plue import workflow\n\n@workflow(name="Trunk", on="push")\ndef trunk(ctx):\n    pass\n';
      const sha = await commitFiles(work, { '.plue/workflows/trunk.py': trunk }, 'trunk');
      await git(['push', '-q', 'origin', 'HEAD:refs/heads/trunk'], work);
      await waitForPushTriggered(db.sql, 'refs/heads/trunk', sha);
      await git(['symbolic-ref', 'HEAD', 'refs/heads/trunk'], bare);
      await waitFor(async () => (await db.sql`select 1 from workflow_definitions where name = 'Trunk' and state = 'active'`).length === 1, 'the definitions of the new default branch');
      const [repo] = await db.sql<{ default_branch: string }[]>`select default_branch from repositories where name = 'app'`;
      expect(repo?.default_branch).toBe('trunk');
      await git(['symbolic-ref', 'HEAD', 'refs/heads/main'], bare);
      await git(['reset', '-q', '--hard', 'HEAD~1'], work);
    });

    it('recorded every push through the door under test', async () => {
      const sources = await db.sql<{ source: string }[]>`
        select distinct e.source from events e join repositories r on r.id = e.repository_id where r.name = 'app'`;
      expect(sources.map((r) => r.source)).toEqual([door]);
    });
  });
