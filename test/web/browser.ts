// Headless Chromium for the dashboard's tests and screenshots: Debian's `chromium` (or PLUE_CHROMIUM), driven by
// playwright-core. One browser per test file; every page records its console errors.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';

export const SCREENSHOTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'artifacts', 'screenshots');

export function chromiumPath(): string {
  return process.env.PLUE_CHROMIUM ?? '/usr/bin/chromium';
}

export async function launchBrowser(): Promise<Browser> {
  // No sandbox: CI runs as root, where Chromium refuses its sandbox.
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-gpu'] });
}

export interface WatchedPage {
  page: Page;
  /** Console errors and uncaught exceptions of every document this page showed. */
  errors: string[];
}

export async function openPage(context: BrowserContext): Promise<WatchedPage> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`${page.url()}: ${error.message}`));
  return { page, errors };
}

/** A full-page screenshot kept as a test artefact (artifacts/ is not committed). */
export async function screenshot(page: Page, name: string, dir = SCREENSHOTS_DIR): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
