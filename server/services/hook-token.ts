import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface HookToken {
  token: string;
  /** `<dataDir>/hook-token`, mode 0600: installed hooks read the token from here and hold no secret. */
  file: string;
}

/** Where the hook token is kept, and installed hooks read it. */
export function hookTokenFile(dataDir: string): string {
  return path.join(dataDir, 'hook-token');
}

/** The post-receive hook's token: configured, or generated once; either way kept in the data folder. */
export async function loadHookToken(configured: string | null, dataDir: string): Promise<HookToken> {
  const file = hookTokenFile(dataDir);
  await mkdir(dataDir, { recursive: true });
  const existing = (await readFile(file, 'utf8').catch(() => null))?.trim();
  if (configured) {
    if (existing !== configured) await writeFile(file, `${configured}\n`, { mode: 0o600 });
  } else if (!existing) {
    await writeFile(file, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' }).catch(() => undefined);
  }
  await chmod(file, 0o600);
  return { token: (await readFile(file, 'utf8')).trim(), file };
}
