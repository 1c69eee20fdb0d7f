// What the webhook tests share: the docs' signature check, runs started and finished through the API and the
// runner protocol, and a hook pointed at a receiver.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect } from 'vitest';
import { RunnerClient } from '../../server/runner/client.js';
import type { FinalStatus } from '../../server/runner/protocol.js';

/** The "Receiving webhooks" code block of docs/api.md, run as written: `verifySignature(secret, body, header)`. */
export function docsSignatureCheck(): (secret: string, body: Buffer, header: string | undefined) => boolean {
  const markdown = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
  const section = markdown.slice(markdown.indexOf('### Receiving webhooks'));
  const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  if (code === undefined) throw new Error('docs/api.md has no js block under "Receiving webhooks"');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('require', `${code}\nreturn verifySignature;`)(createRequire(import.meta.url)) as ReturnType<typeof docsSignatureCheck>;
}

export interface ApiCaller {
  (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Calls the service over HTTP (the child service of the kill -9 test has no inject). */
export function apiCaller(baseUrl: () => string, defaultToken: string): ApiCaller {
  return async (method, path, body, token = defaultToken) => {
    const response = await fetch(`${baseUrl()}${path}`, {
      method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? null : JSON.parse(text) };
  };
}

/** Starts Deploy by hand on acme/app; returns the run id. */
export async function startDeploy(api: ApiCaller): Promise<number> {
  const reply = await api('POST', '/api/repos/acme/app/workflows/deploy.py/dispatches', { ref: 'main', inputs: { replicas: 1 } });
  expect(reply.status).toBe(201);
  return reply.body.run_id as number;
}

/** A runner claims the run's task, reports it running, then `status`; older runs' tasks on the way are finished. */
export async function runToEnd(runner: RunnerClient, runId: number, status: FinalStatus = 'success'): Promise<void> {
  for (;;) {
    const task = await runner.claim(5);
    expect(task).not.toBeNull();
    if (task!.run.id !== runId) {
      await runner.finish(task!, 'success');
      continue;
    }
    await runner.running(task!, new Date());
    await runner.finish(task!, status);
    return;
  }
}

export async function registerRunner(url: string, registrationToken: string): Promise<RunnerClient> {
  return new RunnerClient(url, (await RunnerClient.register(url, registrationToken, { name: 'hooks', labels: [] })).token);
}
