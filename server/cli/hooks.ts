import { access } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { discoverRepositories, gitRepository } from '../adapters/git/index.js';
import { loadConfig } from '../config.js';
import { installPostReceiveHook } from '../services/hook-install.js';
import type { HookInstallReport } from '../services/hook-install.js';
import { postReceiveHookScript } from '../services/hook-script.js';
import { hookTokenFile } from '../services/hook-token.js';
import { BIN_PATH } from '../services/service.js';
import type { CommandIO } from './io.js';
import { UsageError } from './usage.js';

const HELP = `usage: plue-trigger hooks install OWNER/REPO... [--json]
       plue-trigger hooks install --all [--json]

Installs the post-receive hook into repositories under PLUE_REPOS_DIR: pushes are then triggered at once, and the
pusher sees what they started on \`remote:\` lines (PLUE_HOOK_FEEDBACK_MS). The hook delivers to PLUE_URL and
reads its token from PLUE_DATA_DIR/hook-token, so run this with the service's settings. A post-receive hook of
your own is kept as post-receive.user and run after ours with the same input; installing again changes nothing.
(PLUE_INSTALL_HOOKS=1 makes the service do this for every repository it finds.)
Exit status: 0 done, 1 a repository was not found or its hook was left alone, 2 bad usage.`;

const OPTIONS = {
  all: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

type Row = { repository: string } & (HookInstallReport | { outcome: 'not_found' | 'failed'; message: string });

export async function runHooks(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  if (values.help || positionals.length === 0) {
    io.out(HELP);
    return values.help ? 0 : 2;
  }
  const [sub, ...names] = positionals;
  if (sub !== 'install') throw new UsageError(`unknown hooks command "${sub}"; use install`);
  if (values.all === (names.length > 0)) throw new UsageError('hooks install takes OWNER/REPO... or --all (one of them)');
  const config = loadConfig(io.env, io.cwd);
  const tokenFile = hookTokenFile(config.dataDir);
  const script = postReceiveHookScript({ binPath: BIN_PATH, serverUrl: config.serverUrl, hookTokenFile: tokenFile, feedbackMs: config.hookFeedbackMs });
  const { repos } = await discoverRepositories(config.reposDir);
  const byName = new Map(repos.map((r) => [`${r.owner}/${r.name}`, r]));
  const wanted = values.all ? [...byName.keys()].sort() : names;
  const rows: Row[] = [];
  for (const name of wanted) {
    const found = byName.get(name);
    if (!found) {
      rows.push({ repository: name, outcome: 'not_found', message: `no repository ${name} under ${config.reposDir} (PLUE_REPOS_DIR)` });
      continue;
    }
    try {
      rows.push({ repository: name, ...(await installPostReceiveHook(gitRepository(found.gitDir), script)) });
    } catch (error) {
      rows.push({ repository: name, outcome: 'failed', message: (error as Error).message });
    }
  }
  if (values.json) io.out(JSON.stringify({ repositories: rows }, null, 2));
  else for (const row of rows) io.out(`${row.repository}: ${row.message}`);
  if (rows.length === 0) io.err(`no repositories under ${config.reposDir} (PLUE_REPOS_DIR)`);
  if (!(await access(tokenFile).then(() => true, () => false))) {
    io.err(`note: ${tokenFile} does not exist yet; the service writes it when it starts (with this PLUE_DATA_DIR)`);
  }
  return rows.some((r) => r.outcome === 'not_found' || r.outcome === 'failed' || r.outcome === 'refused') ? 1 : 0;
}
