// No secret is ever written to the log: not the hook token, not the runner registration token it generates.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createTempDir, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { startTestService } from '../support/service.js';

const db = useTestDatabase();
afterAll(removeTempDirs);

describe('the log', () => {
  it('holds no token, generated or configured', async () => {
    const lines: string[] = [];
    const logStream = new PassThrough().on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    const dataDir = await createTempDir('plue-data-');
    const service = await startTestService({
      databaseUrl: db.url, reposDir: await createTempDir('plue-repos-'), dataDir, log: pino({ level: 'info' }, logStream),
      env: { PLUE_DEMO: '1', PLUE_HOOK_TOKEN: 'configured-hook-secret' },
    });
    await service.close();
    const registrationToken = (await readFile(path.join(dataDir, 'runner-registration-token'), 'utf8')).trim();
    const log = lines.join('');
    expect(log).toContain('runner registration token generated');
    expect(log).not.toContain(registrationToken);
    expect(log).not.toContain('configured-hook-secret');
  });
});
