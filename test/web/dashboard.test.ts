// The dashboard in a real browser, against the real service, a real repository and a runner speaking the real
// protocol: signing in, a push showing up as a run, a broken file's diagnostic, logs following live, cancel, CSRF,
// and no console error on any page. Screenshots of the main pages go to artifacts/screenshots/.
import path from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS } from '../../server/adapters/db/status.js';
import { RunnerClient } from '../../server/runner/client.js';
import { createApiToken } from '../../server/services/api/tokens.js';
import type { Service } from '../../server/services/service.js';
import { commitFiles, createBareRepo, createTempDir, createWorkRepo, push, removeTempDirs } from '../git/fixtures.js';
import { useTestDatabase } from '../support/db.js';
import { startTestService, waitFor, waitForPushTriggered } from '../support/service.js';
import { launchBrowser, openPage, screenshot } from './browser.js';
import type { WatchedPage } from './browser.js';
import { BROKEN, CI, DOCS } from './fixtures.js';

const REGISTRATION_TOKEN = 'dashboard-registration';

const db = useTestDatabase();
let service: Service;
let work: string;
let browser: Browser;
let context: BrowserContext;
let tab: WatchedPage;
let runner: RunnerClient;
let writeToken: string;
let firstSha: string;

const runsOf = () => db.sql<{ id: number; run_number: number; workflow_name: string; status: number }[]>`
  select id, run_number, workflow_name, status from workflow_runs order by id`;

beforeAll(async () => {
  const reposDir = await createTempDir('plue-repos-');
  const bare = await createBareRepo(path.join(reposDir, 'acme', 'app.git'));
  work = await createWorkRepo(bare);
  await commitFiles(work, { 'README.md': 'app' }, 'first');
  await push(work, 'HEAD:refs/heads/main');
  service = await startTestService({ databaseUrl: db.url, reposDir, env: { PLUE_RUNNER_REGISTRATION_TOKEN: REGISTRATION_TOKEN } });
  const registered = await RunnerClient.register(service.url, REGISTRATION_TOKEN, { name: 'linux-1', labels: ['linux'] });
  runner = new RunnerClient(service.url, registered.token);
  writeToken = (await createApiToken(db.sql, { scope: 'repo:acme/app', name: 'dashboard test' })).token;
  browser = await launchBrowser();
  context = await browser.newContext({ baseURL: service.url });
  tab = await openPage(context);
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await service?.close();
  await removeTempDirs();
});

describe('the dashboard in a browser', () => {
  it('asks for a token, and signs in with one', async () => {
    const { page } = tab;
    await page.goto('/');
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await screenshot(page, 'sign-in');
    await page.getByLabel('API token').fill('pla_not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('[role=alert]').textContent()).toContain('not a live API token');
    await page.getByLabel('API token').fill(writeToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Repositories' }).waitFor();
    expect(await page.content()).not.toContain(writeToken);
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'plue_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    await page.getByRole('link', { name: 'acme/app' }).waitFor();
  });

  it('shows a push as a run, a broken file\'s diagnostic on its workflow\'s page, and why a workflow did not start', async () => {
    const { page } = tab;
    firstSha = await commitFiles(work, { '.plue/workflows/ci.py': CI, '.plue/workflows/docs.py': DOCS, '.plue/workflows/broken.py': BROKEN }, 'workflows');
    await push(work, 'HEAD:refs/heads/main');
    await waitForPushTriggered(db.sql, 'refs/heads/main', firstSha);
    await page.goto('/');
    await page.getByRole('link', { name: 'CI #1' }).waitFor();
    await page.getByRole('link', { name: 'acme/app' }).click();
    await page.getByRole('heading', { name: 'acme/app' }).waitFor();
    await page.getByRole('link', { name: 'CI #1' }).first().waitFor();
    const text = await page.locator('main').textContent();
    expect(text).toContain('push to main');
    // The skipped workflow says why.
    expect(text).toMatch(/Docs.*paths/s);
    await screenshot(page, 'repository');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'repository-dark');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'repository-phone');
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.emulateMedia({ colorScheme: 'light' });

    await page.getByRole('link', { name: 'Broken' }).first().click();
    const problems = await page.locator('.diagnostic').first().textContent();
    expect(problems).toMatch(/\.plue\/workflows\/broken\.py:4:\d+/);
    expect(await page.locator('.diagnostic pre').first().textContent()).toContain('@workflow(name="Broken", on=push(brnches=["main"]))');
    await screenshot(page, 'workflow-diagnostics');

    await page.goto('/acme/app/events');
    await page.getByRole('link', { name: /push/ }).first().waitFor();
    expect(await page.locator('main').textContent()).toMatch(/Started:\s+CI #1/);
    await screenshot(page, 'events');
  });

  it('follows a running task\'s log live, and shows the run\'s end', async () => {
    const { page } = tab;
    const [ci] = await runsOf();
    await page.goto(`/acme/app/runs/${ci!.id}`);
    await page.getByRole('heading', { name: 'CI #1' }).waitFor();
    const log = page.locator('pre.log').first();
    expect(await log.getAttribute('data-stream')).toMatch(/\/logs\/stream$/);

    const task = await runner.claim(5);
    expect(task).not.toBeNull();
    await runner.running(task!, new Date());
    let offset = await runner.logs(task!, 'ci', ['compiling the first part'], 0);
    await log.filter({ hasText: 'compiling the first part' }).waitFor();
    await page.locator('#run-status', { hasText: 'running' }).waitFor();
    offset = await runner.logs(task!, 'ci', ['testing the second part'], offset);
    await log.filter({ hasText: 'testing the second part' }).waitFor();
    await screenshot(page, 'run-live-log');
    await runner.finish(task!, 'success');
    await page.locator(`#task-${task!.id}-status`, { hasText: 'success' }).waitFor();
    await page.locator('#run-status', { hasText: 'success' }).waitFor();
    expect(await log.textContent()).toBe('compiling the first part\ntesting the second part\n');

    await page.reload();
    await page.locator('#run-status', { hasText: 'success' }).waitFor();
    expect(await page.locator('pre.log').first().getAttribute('data-stream')).toBeNull();
    await page.getByRole('link', { name: 'Runners' }).click();
    await page.getByRole('cell', { name: /linux-1/ }).waitFor();
    expect(await page.locator('main').textContent()).toContain('online');
    await screenshot(page, 'runners');
  });

  it('cancels a run from its page and re-runs it, audited as the API would', async () => {
    const { page } = tab;
    const sha = await commitFiles(work, { 'src/a.txt': 'a' }, 'second');
    await push(work, 'HEAD:refs/heads/main');
    await waitForPushTriggered(db.sql, 'refs/heads/main', sha);
    const second = (await runsOf()).find((r) => r.workflow_name === 'CI' && r.run_number === 2)!;
    await page.goto(`/acme/app/runs/${second.id}`);
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await page.locator('#run-status', { hasText: 'cancelled' }).waitFor();
    expect((await runsOf()).find((r) => r.id === second.id)!.status).toBe(STATUS.cancelled);
    await page.getByRole('button', { name: 'Re-run' }).click();
    await page.getByRole('heading', { name: 'CI #3' }).waitFor();
    await page.goto('/acme/app/audit');
    const audit = await page.locator('main').textContent();
    expect(audit).toContain('run.cancelled');
    expect(audit).toContain('run.rerun');
    await screenshot(page, 'audit');
  });

  it('refuses a form posted without its CSRF token, or with another', async () => {
    const { page } = tab;
    const [ci] = await runsOf();
    const without = await page.request.post(`/acme/app/runs/${ci!.id}/rerun`, { form: {}, maxRedirects: 0 });
    expect(without.status()).toBe(403);
    expect(await without.text()).toContain('CSRF');
    const wrong = await page.request.post(`/acme/app/runs/${ci!.id}/rerun`, { form: { csrf: 'x'.repeat(64) }, maxRedirects: 0 });
    expect(wrong.status()).toBe(403);
    expect((await runsOf()).filter((r) => r.workflow_name === 'CI')).toHaveLength(3);
  });

  it('answers an unknown run with a 404 page, a malformed id with a 400, another repository with a 403', async () => {
    const { page } = tab;
    // The token is scoped to acme/app: another repository is refused before it is even looked for, as in the API.
    expect((await page.goto('/acme/nope'))!.status()).toBe(403);
    expect((await page.goto('/acme/app/runs/999999'))!.status()).toBe(404);
    expect((await page.goto('/acme/app/runs/1e3'))!.status()).toBe(400);
    expect(await page.locator('[role=alert]').textContent()).toContain('digits');
    // A JSON 404 stays a JSON 404 under /api/.
    const api = await page.request.get('/api/nothing/here');
    expect(api.status()).toBe(404);
    expect(api.headers()['content-type']).toContain('application/json');
  });

  it('signs out', async () => {
    const { page } = tab;
    await page.goto('/');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.goto('/acme/app');
    expect(new URL(page.url()).pathname).toBe('/sign-in');
  });

  it('logged no console error on any page', () => {
    // The refusals above were asked for; the browser reports each status as an error.
    const asked = /(\/sign-in|\/acme\/nope|\/runs\/999999|\/runs\/1e3): Failed to load resource: the server responded with a status of 40[0134]/;
    expect(tab.errors.filter((e) => !asked.test(e))).toEqual([]);
  });
});
