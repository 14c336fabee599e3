import { execFileSync } from 'node:child_process';
import AxeBuilder from '@axe-core/playwright';
import { Browser, expect, Page } from '@playwright/test';

/** Runs the vestibule CLI against the same database and settings as the server under test. */
export function cli(...args: string[]): string {
  const bin = process.env.VESTIBULE_BIN;
  if (!bin) throw new Error('VESTIBULE_BIN is not set: run the suite through scripts/test.sh');
  return execFileSync(bin, args, { env: process.env, encoding: 'utf8' });
}

/** Creates the first admin through the CLI and returns their one-time set-password link. */
export function bootstrapAdmin(email: string, name: string): string {
  const out = cli('admin', 'bootstrap', '--email', email, '--name', name);
  const link = out.match(/https?:\/\/\S+\/set-password\/\S+/);
  if (!link) throw new Error(`no set-password link in CLI output:\n${out}`);
  return link[0];
}

export interface SinkMail {
  id: string;
  subject: string;
  text: string;
  html: string;
  to: { address: string }[];
  headers: Record<string, string>;
}

/** Every message the SMTP sink (maildev) has received for `address`. */
export async function mailsTo(address: string): Promise<SinkMail[]> {
  const api = process.env.MAILDEV_API;
  if (!api) throw new Error('MAILDEV_API is not set: run the suite through scripts/test.sh');
  const res = await fetch(`${api}/api/email`);
  expect(res.ok).toBeTruthy();
  const all = (await res.json()) as SinkMail[];
  return all.filter((m) => m.to.some((t) => t.address.toLowerCase() === address.toLowerCase()));
}

/**
 * Collects console errors, uncaught exceptions (e.g. a hydration failure), missing files
 * (404) and server errors (5xx). Chromium also logs every 4xx answer as a console error;
 * those are left out, since tests provoke 401 and 422 on purpose and check them on screen.
 */
export function failOnConsoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('response', (res) => {
    if (res.status() === 404 || res.status() >= 500) errors.push(`${res.status()} ${res.url()}`);
  });
  return errors;
}

/** Resolves once the WASM has hydrated the page (the frontend sets this marker). */
export async function waitForHydration(page: Page): Promise<void> {
  await page.waitForFunction(() => document.documentElement.dataset.hydrated === 'true');
}

/** Signs in through the sign-in page and waits for the home page. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/sign-in');
  await waitForHydration(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: /^Welcome, / })).toBeVisible();
}

/** A page in a browser context of its own (its own cookies), with its errors collected. */
export async function newPage(browser: Browser): Promise<[Page, string[]]> {
  const page = await (await browser.newContext()).newPage();
  return [page, failOnConsoleErrors(page)];
}

/** The link to `/{path}/…` (an invitation by default) in the newest email to `address` at
 * the SMTP sink. */
export async function linkFromMail(address: string, path = 'invite'): Promise<string> {
  const pattern = new RegExp(`https?://\\S+/${path}/[A-Za-z0-9_-]+`);
  let link = '';
  await expect
    .poll(async () => {
      const mails = await mailsTo(address);
      const m = mails.at(-1)?.text.match(pattern);
      link = m ? m[0] : '';
      return link;
    }, { timeout: 15_000 })
    .not.toBe('');
  return link;
}

/** Opens the invitation in the newest email to `person.email`, joins as `person` and waits for
 * the home page. */
export async function joinFromMail(page: Page, person: { email: string; name: string; password: string }): Promise<void> {
  await page.goto(await linkFromMail(person.email));
  await waitForHydration(page);
  await page.getByLabel('Your name').fill(person.name);
  await page.getByLabel('Choose a password').fill(person.password);
  await page.getByLabel('Repeat the password').fill(person.password);
  await page.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(page.getByRole('heading', { name: `Welcome, ${person.name}` })).toBeVisible();
}

/** Marks the page, so a test can tell later that it was never reloaded. */
export async function markNoReload(page: Page): Promise<void> {
  await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
}

export async function wasNotReloaded(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload === true);
}

/** Runs axe-core on the page as it is now: no violation of any impact may remain (minor and
 * moderate ones too). */
export async function expectAccessible(page: Page, where: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const found = results.violations.map(
    (v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`,
  );
  expect(found, `accessibility of ${where}`).toEqual([]);
}

/** `expectAccessible` at desktop (1280 px) and phone (375 px) widths; the page keeps its size. */
export async function expectAccessibleAtBothWidths(page: Page, where: string): Promise<void> {
  const size = page.viewportSize();
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 800 });
    await expectAccessible(page, `${where} at ${width}px`);
  }
  if (size) await page.setViewportSize(size);
}
