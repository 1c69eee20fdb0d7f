// A real service on a test database and a real repository (acme/app), with API tokens, for the user API tests.
import path from 'node:path';
import type { Sql } from '../../server/adapters/db/connect.js';
import { createApiToken } from '../../server/services/api/tokens.js';
import type { Service } from '../../server/services/service.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, git, push } from '../git/fixtures.js';
import { startTestService } from '../support/service.js';

export const CI = `from plue import workflow, push, pull_request


@workflow(name="CI", on=[push(branches=["main"]), pull_request(branches=["main"], paths=["src/**"])])
async def ci(ctx):
    await ctx.run("python3 -m unittest")
`;

export const DEPLOY = `from plue import workflow, manual


@workflow(name="Deploy", on=manual(inputs={
    "environment": {"type": "choice", "options": ["staging", "production"], "default": "staging"},
    "dry_run": {"type": "boolean", "default": True},
    "replicas": {"type": "number", "required": True},
    "note": {"type": "string"},
}))
async def deploy(ctx):
    ctx.log(ctx.inputs)
`;

export const TRIAGE = `from plue import workflow, issue


@workflow(name="Triage", on=issue(types=["opened", "labeled"]))
async def triage(ctx):
    pass
`;

export const AGENT = `from plue import workflow


@workflow(name="Agent", on="chat", agent=True)
async def agent(ctx):
    pass
`;

export const HOOK = `from plue import workflow, dispatch


@workflow(name="Hook", on=dispatch())
async def hook(ctx):
    pass
`;

/** Two manually started workflows in one file: its path names both. */
export const PAIR = `from plue import workflow


@workflow(name="Lint", on="manual")
def lint(ctx):
    pass


@workflow(name="Format", on="manual")
def format_code(ctx):
    pass
`;

export const BROKEN = `from plue import workflow


@workflow(name="Broken", on=["pushh", "manual"])
async def broken(ctx):
    pass
`;

export interface ApiRepo {
  reposDir: string;
  bare: string;
  work: string;
  /** main, feature (changes src/), docs-only (changes docs/), a tag v1 on main. */
  shas: { main: string; feature: string; docsOnly: string };
}

/** acme/app with the workflows above on main, and branches for pull requests; made before the service starts. */
export async function createApiRepo(): Promise<ApiRepo> {
  const reposDir = await createTempDir('plue-api-repos-');
  const bare = await createBareRepo(path.join(reposDir, 'acme', 'app.git'));
  const work = await createWorkRepo(bare);
  const main = await commitFiles(work, {
    '.plue/workflows/ci.py': CI, '.plue/workflows/deploy.py': DEPLOY, '.plue/workflows/triage.py': TRIAGE,
    '.plue/workflows/agent.py': AGENT, '.plue/workflows/hook.py': HOOK, '.plue/workflows/pair.py': PAIR, 'src/app.py': 'print("hi")\n', 'README.md': '# app\n',
  }, 'workflows');
  await push(work, 'main');
  await git(['tag', 'v1'], work);
  await push(work, 'v1');
  await git(['checkout', '-q', '-b', 'feature'], work);
  const feature = await commitFiles(work, { 'src/app.py': 'print("feature")\n' }, 'feature');
  await push(work, 'feature');
  await git(['checkout', '-q', '-b', 'docs-only', 'main'], work);
  const docsOnly = await commitFiles(work, { 'docs/x.md': '# docs\n' }, 'docs');
  await push(work, 'docs-only');
  await git(['checkout', '-q', 'main'], work);
  return { reposDir, bare, work, shas: { main, feature, docsOnly } };
}

export async function startApiService(databaseUrl: string, repo: ApiRepo, env: Record<string, string> = {}): Promise<Service> {
  return startTestService({ databaseUrl, reposDir: repo.reposDir, watch: false, env });
}

export async function tokenFor(sql: Sql, scope: string, readOnly = false): Promise<string> {
  return (await createApiToken(sql, { scope, readOnly, name: `test ${scope}` })).token;
}

export interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  headers: Record<string, unknown>;
}

/** One request through the app (no socket). `body` is sent as JSON; `raw` as is. */
export async function call(
  service: Service,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH',
  url: string,
  options: { token?: string; body?: unknown; raw?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let payload: string | Buffer | undefined;
  if (options.body !== undefined) {
    payload = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  } else if (options.raw !== undefined) payload = options.raw;
  const reply = await service.app.inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) });
  let body: unknown = reply.body;
  try {
    body = reply.body === '' ? null : JSON.parse(reply.body);
  } catch { /* not JSON: kept as text */ }
  return { status: reply.statusCode, body, headers: reply.headers };
}

/** A well-formed error reply with this status and code. */
export function expectError(reply: Reply, status: number, code?: string): void {
  const problems: string[] = [];
  if (reply.status !== status) problems.push(`status ${reply.status}, expected ${status}`);
  const error = reply.body?.error;
  if (!error || typeof error.code !== 'string' || typeof error.message !== 'string' || !('details' in error)) {
    problems.push('not an error body');
  } else if (code !== undefined && error.code !== code) problems.push(`code ${error.code}, expected ${code}`);
  if (problems.length > 0) throw new Error(`${problems.join('; ')}: ${JSON.stringify(reply.body).slice(0, 500)}`);
}
