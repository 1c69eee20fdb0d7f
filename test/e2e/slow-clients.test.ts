// Clients that open connections and send a request a byte at a time, or never finish it, are cut off, and
// cannot take every connection: pushes are still triggered and /healthz still answers while they try.
import { chmod, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Service } from '../../server/services/service.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, push, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { runsOf, startTestService, waitFor, waitForPushTriggered } from '../support/service.js';

const db = useTestDatabase();
let service: Service | undefined;
const sockets: net.Socket[] = [];

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await service?.close();
  await removeTempDirs();
});

const CI = 'from plue import workflow\n\n@workflow(name="CI", on="push")\ndef ci(ctx):\n    pass\n';

/** A connection from another loopback address that sends headers and the first byte of a long body, then stalls. */
function slowClient(port: number, closed: Set<net.Socket>): net.Socket {
  const socket = net.connect({ host: '127.0.0.1', port, localAddress: '127.0.0.2' });
  socket.on('error', () => {});
  // Closed by the server: reset (refused at once) or ended after a 408, which is read so that the end is seen.
  socket.on('close', () => closed.add(socket));
  socket.on('end', () => closed.add(socket));
  socket.resume();
  socket.on('connect', () => {
    socket.write('POST /api/hooks/post-receive HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n/');
  });
  return socket;
}

describe('slow clients', () => {
  it('300 stalled connections from one address: the extra ones are refused, the rest cut off; pushes go on', async () => {
    const reposDir = await createTempDir('plue-repos-');
    const bare = await createBareRepo(path.join(reposDir, 'acme', 'app.git'));
    service = await startTestService({
      databaseUrl: db.url, reposDir, watch: false, listen: true,
      env: { PLUE_HTTP_REQUEST_SECONDS: '2', PLUE_HTTP_HEADERS_SECONDS: '1', PLUE_HTTP_MAX_CONNECTIONS_PER_ADDRESS: '50' },
    });
    await writeFile(path.join(bare, 'hooks', 'post-receive'), service.hookScript);
    await chmod(path.join(bare, 'hooks', 'post-receive'), 0o750);
    const port = Number(new URL(service.url).port);
    const closed = new Set<net.Socket>();
    for (let i = 0; i < 300; i++) sockets.push(slowClient(port, closed));
    // The 250 over the per-address cap are closed as they arrive.
    await waitFor(async () => closed.size >= 250, 'the connections over the cap to be refused');

    const work = await createWorkRepo(bare);
    const sha = await commitFiles(work, { '.plue/workflows/ci.py': CI }, 'a push while slow clients hold connections');
    await push(work, 'main');
    await waitForPushTriggered(db.sql, 'refs/heads/main', sha);
    expect((await runsOf(db.sql, 'acme', 'app')).map((r) => r.commit_sha)).toEqual([sha]);
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);

    // The 50 it took are cut off once their request is past its deadline.
    await waitFor(async () => closed.size === 300, 'every stalled connection to be closed');
  }, 60_000);
});
