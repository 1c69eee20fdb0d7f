// npm run bench:pushfeedback — the time from `git push` returning to its run being visible through the API, with
// the post-receive hook the service installs (it waits for the trigger's decision, PLUE_HOOK_FEEDBACK_MS) and
// without it (the watcher alone), and how long the push itself takes in each case. Real `git push` processes to a
// bare repository the service watches; the API polled as a client would. BENCH_QUICK=1: a few samples. Fails when
// a push does not make its run, or the hook's answer does not name it.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../server/config.js';
import { installPostReceiveHook } from '../server/services/hook-install.js';
import { gitRepository } from '../server/adapters/git/index.js';
import { startService } from '../server/services/service.js';
import type { Service } from '../server/services/service.js';
import { benchDatabase, benchSize, check, summary, within } from './support.js';

const run = promisify(execFile);
const GIT_ENV = {
  ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'bench@plue.invalid', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'bench@plue.invalid',
};
const git = async (cwd: string, ...args: string[]) => (await run('git', args, { cwd, env: GIT_ENV })).stdout;
const SAMPLES = benchSize('BENCH_SAMPLES', 30, 5);
const WARM_UP = 2;
const CI = 'from plue import workflow\n\n@workflow(name="CI", on="push")\nasync def ci(ctx):\n    await ctx.run("make test")\n';

type Mode = 'hook' | 'watcher';

async function measure(url: string, dataDir: string, mode: Mode): Promise<void> {
  const reposDir = path.join(dataDir, `${mode}-repos`);
  const bare = path.join(reposDir, 'bench', `app-${mode}.git`);
  await mkdir(bare, { recursive: true });
  await git(bare, 'init', '-q', '--bare', '--initial-branch=main');
  const work = path.join(dataDir, `${mode}-work`);
  await mkdir(path.join(work, '.plue', 'workflows'), { recursive: true });
  await writeFile(path.join(work, '.plue', 'workflows', 'ci.py'), CI);
  await git(work, 'init', '-q', '--initial-branch=main');
  await git(work, 'add', '-A');
  await git(work, 'commit', '-q', '-m', 'init');
  await git(work, 'remote', 'add', 'origin', bare);

  const config = loadConfig({
    DATABASE_URL: url, PLUE_DATA_DIR: path.join(dataDir, mode), PLUE_REPOS_DIR: reposDir, PLUE_DEMO: '0', PORT: '0', PLUE_PUBLIC_READ: '1',
  }, process.cwd());
  const service: Service = await startService(config, pino({ level: 'silent' }), {});
  try {
    if (mode === 'hook') await installPostReceiveHook(gitRepository(bare), service.hookScript);
    const api = `${service.url.replace(/\/$/, '')}/api/repos/bench/app-${mode}/runs`;
    const visible = async (sha: string) => {
      for (;;) {
        const reply = (await (await fetch(`${api}?sha=${sha}&per_page=1`)).json()) as { runs: unknown[] };
        if (reply.runs.length > 0) return performance.now();
      }
    };
    const afterReturn: number[] = [];
    const pushTook: number[] = [];
    for (let i = 0; i < SAMPLES + WARM_UP; i++) {
      if (i > 0) await git(work, 'commit', '-q', '--allow-empty', '-m', `change ${i}`);
      const sha = (await git(work, 'rev-parse', 'HEAD')).trim();
      const t0 = performance.now();
      const { stderr } = await run('git', ['push', 'origin', 'main'], { cwd: work, env: GIT_ENV });
      const returned = performance.now();
      const seen = await within(30_000, `the run of ${sha.slice(0, 7)} in the API`, visible(sha));
      if (mode === 'hook') check(/remote: plue-trigger: main: 1 run started/.test(stderr), 'the hook should show the run it started', stderr);
      if (i < WARM_UP) continue; // the first pushes warm the parser's cache and the connections
      pushTook.push(returned - t0);
      afterReturn.push(seen - returned);
    }
    const label = mode === 'hook'
      ? `with the hook (PLUE_HOOK_FEEDBACK_MS=${config.hookFeedbackMs}: the push waits for the decision)`
      : 'without the hook (the watcher alone)';
    console.log(summary(`git push returned → run visible through the API, ${label}`, afterReturn));
    console.log(summary(`  git push itself, ${label}`, pushTook));
    const [runs] = await service.db.sql<{ n: number }[]>`
      select count(*)::int as n from workflow_runs w join repositories r on r.id = w.repository_id where r.name = ${`app-${mode}`}`;
    check(runs?.n === SAMPLES + WARM_UP, `each push should start one run`, { runs: runs?.n, pushes: SAMPLES + WARM_UP });
  } finally {
    await service.close();
  }
}

const db = await benchDatabase();
try {
  for (const mode of ['hook', 'watcher'] as const) await measure(db.url, db.dataDir, mode);
} finally {
  await db.stop();
}
