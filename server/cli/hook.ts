import * as http from 'node:http';
import * as https from 'node:https';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseHookLines } from '../core/refs/hook-lines.js';
import { refNameFromBytes } from '../core/refs/ref-bytes.js';
import { loadConfig } from '../config.js';
import type { CommandIO } from './io.js';
import { UsageError } from './usage.js';

// git's post-receive hook: stdin lines `<old> <new> <ref>`, the repository is the current git dir.
// It must be quick and must never make a push fail: every problem is a warning and exit status 0,
// and the watcher still sees the update.

/** How long the service may take to record the push, beyond the wait for its decision (PLUE_HOOK_FEEDBACK_MS). */
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
  const url = `${(io.env.PLUE_URL || 'http://127.0.0.1:4000').replace(/\/$/, '')}/api/hooks/post-receive?wait=true`;
  try {
    const body = JSON.stringify({ repository_path: repositoryPath, updates });
    const response = await post(url, body, await hookToken(io.env), TIMEOUT_MS + feedbackMs(io));
    if (response.status < 200 || response.status > 299) {
      io.err(`plue-trigger: workflows not notified (${response.status} ${response.body.slice(0, 300)}); the watcher will pick the push up`);
    } else if (response.body !== '') {
      // The service's decision on the push, as lines for the pusher (git shows them as `remote:` lines).
      io.err(response.body.replace(/\n$/, ''));
    }
  } catch (error) {
    io.err(`plue-trigger: workflows not notified (${(error as Error).message}); the watcher will pick the push up`);
  }
  return 0;
}

function feedbackMs(io: CommandIO): number {
  try {
    return loadConfig(io.env, io.cwd).hookFeedbackMs;
  } catch {
    return 0; // a bad setting must not fail the push; the service's own bound still holds
  }
}

/** PLUE_HOOK_TOKEN, else the content of PLUE_HOOK_TOKEN_FILE (what installed hooks use: they hold no secret). */
async function hookToken(env: NodeJS.ProcessEnv): Promise<string> {
  if (env.PLUE_HOOK_TOKEN) return env.PLUE_HOOK_TOKEN;
  if (!env.PLUE_HOOK_TOKEN_FILE) return '';
  return (await readFile(env.PLUE_HOOK_TOKEN_FILE, 'utf8')).trim();
}

// node:http rather than fetch: fetch's first call costs tens of milliseconds of start-up in a short-lived process.
function post(url: string, body: string, token: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = url.startsWith('https:') ? https.request : http.request;
    const req = request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}`, accept: 'text/plain',
      },
      timeout: timeoutMs,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
