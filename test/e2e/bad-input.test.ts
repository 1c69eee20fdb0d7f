import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CommandIO } from '../../server/cli/io.js';
import { runCli } from '../../server/cli/main.js';
import type { Service } from '../../server/services/service.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, push, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { runsOf, startTestService, waitForPushTriggered } from '../support/service.js';

const db = useTestDatabase();
let service: Service | undefined;

afterAll(async () => {
  await service?.close();
  await removeTempDirs();
});

describe('bad repositories and configuration', () => {
  it('skips a folder that is not a git repository and serves the others', async () => {
    const reposDir = await createTempDir('plue-repos-');
    await mkdir(path.join(reposDir, 'acme', 'not-a-repo'), { recursive: true });
    await writeFile(path.join(reposDir, 'acme', 'stray-file'), 'x');
    const bare = await createBareRepo(path.join(reposDir, 'acme', 'good.git'));
    service = await startTestService({ databaseUrl: db.url, reposDir });
    expect(service.registry.list().map((r) => r.key)).toEqual(['acme/good']);
    const work = await createWorkRepo(bare);
    const sha = await commitFiles(work, { '.plue/workflows/ci.py': 'from plue import workflow\n\n@workflow(on="push")\ndef ci(ctx):\n    pass\n' });
    await push(work, 'main');
    await waitForPushTriggered(db.sql, 'refs/heads/main', sha);
    expect((await runsOf(db.sql, 'acme', 'good')).map((r) => r.workflow_name)).toEqual(['ci']);
  });

  it('a port in use is one clear line and exit status 1', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    const err: string[] = [];
    const io: CommandIO = {
      cwd: process.cwd(), out: () => undefined, err: (l) => err.push(l),
      env: {
        DATABASE_URL: db.url, PORT: String(port), PLUE_DEMO: '0', PLUE_LOG_LEVEL: 'silent',
        PLUE_DATA_DIR: await createTempDir('plue-data-'), PLUE_REPOS_DIR: await createTempDir('plue-repos-'),
      },
    };
    expect(await runCli(['serve'], io)).toBe(1);
    expect(err).toEqual([`plue-trigger: port ${port} is in use; set PORT to another port`]);
    blocker.close();
  });

  it('bad configuration is one clear line and exit status 2', async () => {
    const err: string[] = [];
    const io: CommandIO = { cwd: process.cwd(), out: () => undefined, err: (l) => err.push(l), env: { PORT: 'http' } };
    expect(await runCli(['serve'], io)).toBe(2);
    expect(err).toEqual(['plue-trigger: PORT must be an integer from 0 to 65535, got "http"']);
  });
});
