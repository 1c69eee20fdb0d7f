import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

// Runner, task and completion tokens are random and only their SHA-256 is stored: a leaked database does not leak tokens, and
// a fast hash is enough for 256-bit random secrets (nothing to brute-force).

const RUNNER_PREFIX = 'plr_';
const TASK_PREFIX = 'plt_';
const COMPLETION_PREFIX = 'plc_';
const REGISTRATION_FILE = 'runner-registration-token';

export function newRunnerToken(): string {
  return RUNNER_PREFIX + randomBytes(32).toString('base64url');
}

export function newTaskToken(): string {
  return TASK_PREFIX + randomBytes(32).toString('base64url');
}

/** Completes a task handed off to an external system (`POST /api/tasks/:id/complete`). */
export function newCompletionToken(): string {
  return COMPLETION_PREFIX + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface RegistrationToken {
  token: string;
  /** Made by this call: the caller prints it once. */
  generated: boolean;
  /** Where a generated token is kept; null when configured. */
  file: string | null;
}

/** The token that lets runners register: configured, or generated once and kept in the data folder. */
export async function loadRegistrationToken(configured: string | null, dataDir: string): Promise<RegistrationToken> {
  if (configured) return { token: configured, generated: false, file: null };
  const file = path.join(dataDir, REGISTRATION_FILE);
  const existing = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (existing !== '') return { token: existing, generated: false, file };
  await mkdir(dataDir, { recursive: true });
  const token = 'plreg_' + randomBytes(24).toString('base64url');
  // `wx`: when two processes start at once, one file wins and both read it back.
  const created = await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' }).then(() => true, () => false);
  return { token: (await readFile(file, 'utf8')).trim(), generated: created, file };
}
