// `plue-trigger token` next to a running service with the embedded PostgreSQL logs in to that server.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runningEmbeddedUrl } from '../../server/adapters/db/embedded-running.js';
import { createTempDir, removeTempDirs } from '../git/fixtures.js';

afterAll(removeTempDirs);

describe('runningEmbeddedUrl', () => {
  it("reads the port from postmaster.pid and the password from the data folder's layout", async () => {
    const dataDir = await createTempDir('plue-data-');
    await mkdir(path.join(dataDir, 'postgres', 'pgdata'), { recursive: true });
    await writeFile(path.join(dataDir, 'postgres', 'password'), 'p@ss/word\n');
    await writeFile(path.join(dataDir, 'postgres', 'pgdata', 'postmaster.pid'), `4242\n${dataDir}/postgres/pgdata\n1700000000\n54321\n/tmp\n127.0.0.1\n`);
    expect(await runningEmbeddedUrl(dataDir)).toBe('postgres://postgres:p%40ss%2Fword@127.0.0.1:54321/plue');
  });

  it('is null when no server runs there', async () => {
    expect(await runningEmbeddedUrl(await createTempDir('plue-data-'))).toBeNull();
  });
});
