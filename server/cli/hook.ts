import * as http from 'node:http';
import * as https from 'node:https';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseHookLines } from '../core/refs/hook-lines.js';
import { refNameFromBytes } from '../core/refs/ref-bytes.js';
import type { CommandIO } from './io.js';
import { UsageError } from './usage.js';

// git's post-receive hook: stdin lines `<old> <new> <ref>`, the repository is the current git dir.
// It must be quick and must never make a push fail: every problem is a warning and exit status 0,
// and the watcher still sees the update.

const TIMEOUT_MS = 5000;

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return refNameFromBytes(Buffer.concat(chunks));
}

const HELP = `usage: plue-trigger hook post-receive

git's post-receive hook: reads the pushed ref updates (\`<old> <new> <ref>\` lines) on standard input and hands them
to the service at $PLUE_URL with the hook token ($PLUE_HOOK_TOKEN, or the file $PLUE_HOOK_TOKEN_FILE). It never
fails a push: when the service cannot be told, the file watcher still sees the update.`;

export async function runHook(argv: string[], io: CommandIO): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(HELP);
    return 0;
  }
  if (argv[0] !== 'post-receive') throw new UsageError(`hook takes post-receive\n${HELP}`);
  const { updates } = parseHookLines(io.stdin ? await readAll(io.stdin) : '');
  if (updates.length === 0) return 0;
  const repositoryPath = path.resolve(io.cwd, io.env.GIT_DIR || '.');
  const url = `${(io.env.PLUE_URL || 'http://127.0.0.1:4000').replace(/\/$/, '')}/api/hooks/post-receive`;
  try {
    const body = JSON.stringify({ repository_path: repositoryPath, updates });
    const response = await post(url, body, await hookToken(io.env));
    if (response.status !== 202) {
      io.err(`plue-trigger: workflows not notified (${response.status} ${response.body.slice(0, 300)}); the watcher will pick the push up`);
    }
  } catch (error) {
    io.err(`plue-trigger: workflows not notified (${(error as Error).message}); the watcher will pick the push up`);
  }
  return 0;
}

/** PLUE_HOOK_TOKEN, else the content of PLUE_HOOK_TOKEN_FILE (what installed hooks use: they hold no secret). */
async function hookToken(env: NodeJS.ProcessEnv): Promise<string> {
  if (env.PLUE_HOOK_TOKEN) return env.PLUE_HOOK_TOKEN;
  if (!env.PLUE_HOOK_TOKEN_FILE) return '';
  return (await readFile(env.PLUE_HOOK_TOKEN_FILE, 'utf8')).trim();
}

// node:http rather than fetch: fetch's first call costs tens of milliseconds of start-up in a short-lived process.
function post(url: string, body: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = url.startsWith('https:') ? https.request : http.request;
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}` },
      timeout: TIMEOUT_MS,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
