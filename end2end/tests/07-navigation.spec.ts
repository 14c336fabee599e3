import { expect, Page, test } from '@playwright/test';
import { newPage, signIn, waitForHydration } from './helpers';

// Runs after 01-06: the admin exists, with invites, members, roles and teams.
const ADMIN = { email: 'ada@example.com', password: 'correct horse battery' };

/** The pages of the main navigation, in order, as an admin sees them. */
const NAV = [
  ['Dashboard', '/dashboard'],
  ['Invites', '/invites'],
  ['Members', '/members'],
  ['Roles', '/roles'],
  ['Audit log', '/audit'],
  ['Policy', '/policy'],
  ['API keys', '/api-keys'],
  ['Webhooks', '/webhooks'],
  ['Home', '/'],
] as const;

/** Document loads this tab has made: one while navigation stays in place. */
async function documentLoads(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __loads?: number }).__loads ?? 0);
}

async function expectFocusOnHeading(page: Page): Promise<void> {
  await expect
    .poll(() => page.evaluate(() => document.activeElement?.tagName))
    .toBe('H1');
}

test.describe.serial('navigation in place', () => {
  test('every nav link and back again: one document, the URL, title, focus and announcement of a page load', async ({ browser }) => {
    const [page, errors] = await newPage(browser);
    // Counts every document this tab loads: a real page load runs this again.
    await page.addInitScript(() => {
      const w = window as unknown as { __loads?: number };
      w.__loads = Number(sessionStorage.getItem('loads') ?? '0') + 1;
      sessionStorage.setItem('loads', String(w.__loads));
    });
    await signIn(page, ADMIN.email, ADMIN.password);
    // Live-update streams this tab opens from here on: one, kept across the pages.
    let streams = 0;
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/events') streams++;
    });
    await page.goto('/invites');
    await waitForHydration(page);
    const loads = await documentLoads(page);
    await page.evaluate(() => ((window as unknown as { __marker: string }).__marker = 'kept'));
    const nav = page.getByRole('navigation', { name: 'Main' });

    const visited: string[] = ['/invites'];
    for (const [label, path] of NAV) {
      await nav.getByRole('link', { name: label, exact: true }).click();
      await expect(page).toHaveURL(path === '/' ? /\/$/ : new RegExp(`${path}$`));
      await expect(nav.getByRole('link', { name: label, exact: true })).toHaveAttribute('aria-current', 'page');
      await expectFocusOnHeading(page);
      const title = await page.title();
      expect(title).toContain('Vestibule');
      await expect(page.locator('#nav-status')).toHaveText(title);
      visited.push(path);
    }
    expect(await page.evaluate(() => (window as unknown as { __marker?: string }).__marker)).toBe('kept');
    expect(await documentLoads(page)).toBe(loads);

    // Back through every page, then forward again: still the same document.
    for (let i = visited.length - 2; i >= 0; i--) {
      await page.goBack();
      await expect(page).toHaveURL(visited[i] === '/' ? /\/$/ : new RegExp(`${visited[i]}$`));
      await expect(page.locator('h1').first()).toBeVisible();
    }
    await page.goForward();
    await expect(page).toHaveURL(/\/dashboard$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
    expect(await page.evaluate(() => (window as unknown as { __marker?: string }).__marker)).toBe('kept');
    expect(await documentLoads(page)).toBe(loads);
    expect(streams).toBe(1);
    expect(errors).toEqual([]);
  });

  test('typed text and scroll survive back and forward; a filter form and a list link stay in place', async ({ browser }) => {
    const [page, errors] = await newPage(browser);
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.setViewportSize({ width: 1280, height: 500 });
    await page.goto('/invites');
    await waitForHydration(page);
    await page.evaluate(() => ((window as unknown as { __marker: string }).__marker = 'kept'));

    // A filter form: the URL follows it, in place.
    await page.getByLabel('By role').selectOption({ label: 'Analyst' });
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page).toHaveURL(/role=analyst/);
    await expectFocusOnHeading(page);

    // Typed, not sent: as a browser keeps it, back brings it back.
    await page.getByLabel('Search email').fill('typed but not sent');
    // Part way down (the very bottom would move with a pixel of rounding in the page's height).
    await page.evaluate(() => window.scrollTo(0, 300));
    expect(await page.evaluate(() => window.scrollY)).toBe(300);
    // Followed from where it is (as with the keyboard): a mouse click would scroll up to it.
    await page.evaluate(() => document.querySelector<HTMLAnchorElement>('nav[aria-label="Main"] a[href="/members"]')!.click());
    await expect(page).toHaveURL(/\/members$/);
    // A new page starts at the top.
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    await page.goBack();
    await expect(page).toHaveURL(/role=analyst/);
    await expect(page.getByLabel('Search email')).toHaveValue('typed but not sent');
    await expect.poll(() => page.evaluate(() => Math.abs(window.scrollY - 300))).toBeLessThanOrEqual(1);
    await page.goForward();
    await expect(page).toHaveURL(/\/members$/);
    await page.goBack();
    await expect(page.getByLabel('Search email')).toHaveValue('typed but not sent');

    // A link in the list to an invite, and its way back.
    await page.getByLabel('Search email').fill('');
    await page.goto('/invites');
    await waitForHydration(page);
    await page.evaluate(() => ((window as unknown as { __marker: string }).__marker = 'kept'));
    const first = page.locator('table.invites tbody tr a').first();
    const email = (await first.textContent())!.trim();
    await first.click();
    await expect(page).toHaveURL(/\/invites\/[0-9a-f-]+$/);
    await expect(page.getByRole('heading', { level: 1, name: email })).toBeVisible();
    await expectFocusOnHeading(page);
    await page.getByRole('link', { name: '← All invites' }).click();
    await expect(page).toHaveURL(/\/invites$/);
    expect(await page.evaluate(() => (window as unknown as { __marker?: string }).__marker)).toBe('kept');
    expect(errors).toEqual([]);
  });

  test('a slow page shows progress, and a page opened directly arrives whole from the server', async ({ browser }) => {
    const [page, errors] = await newPage(browser);
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.goto('/invites');
    await waitForHydration(page);
    // Hold the next page back for a second: the bar shows, then goes with the page.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await page.route('**/members', async (route) => {
      await held;
      await route.continue();
    });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Members' }).click();
    await expect(page.locator('#nav-progress')).toBeVisible();
    await expect(page.locator('main')).toHaveAttribute('aria-busy', 'true');
    release();
    await expect(page).toHaveURL(/\/members$/);
    await expect(page.locator('#nav-progress')).toBeHidden();
    await page.unroute('**/members');

    // The same page straight from the server, before any script: whole, with its list.
    const html = await (await page.request.get('/members', { headers: { Accept: 'text/html' } })).text();
    expect(html).toContain('<h1>Members</h1>');
    expect(html).toContain('data-region="members"');
    expect(html).toContain(ADMIN.email);
    expect(errors).toEqual([]);
  });

  test('without JavaScript the same journey works with full page loads', async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: /^Welcome, / })).toBeVisible();
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const [label, path] of NAV) {
      await nav.getByRole('link', { name: label, exact: true }).click();
      await expect(page).toHaveURL(path === '/' ? /\/$/ : new RegExp(`${path}$`));
      await expect(page.locator('h1').first()).toBeVisible();
    }
    await page.goBack();
    await expect(page).toHaveURL(/\/webhooks$/);

    // A filter, an invite sent by a plain form, and the bulk pages from rows to summary.
    await page.goto('/invites');
    await page.getByLabel('By role').selectOption({ label: 'Analyst' });
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect(page).toHaveURL(/role=analyst/);
    await page.goto('/invites');
    await page.getByLabel('Email address').fill('nojs@plain.example');
    await page.getByLabel('Role', { exact: true }).selectOption({ label: 'Analyst' });
    await page.getByRole('button', { name: 'Send invite' }).click();
    await expect(page.locator('tr[data-email="nojs@plain.example"]')).toBeVisible();

    await page.goto('/invites/bulk');
    await expect(page.getByLabel('Upload a CSV file')).toBeHidden();
    await page.getByLabel('… or paste the rows').fill('nojs-bulk1@plain.example,Analyst\nnojs-bulk2@plain.example,Owner\n');
    await page.getByRole('button', { name: 'Check rows' }).click();
    await expect(page).toHaveURL(/\/invites\/bulk\/check\//);
    await expect(page.locator('.dry-run-summary')).toContainText('2 rows: 1 ready, 1 with problems.');
    await page.getByRole('button', { name: 'Send 1 invite' }).click();
    await expect(page).toHaveURL(/\/invites\/bulk\/jobs\//);
    // The page reloads itself until the import is over.
    await expect(page.locator('.bulk-summary')).toHaveText('Done: 1 invite created, 1 row skipped. Emails are on their way.', { timeout: 15_000 });
    await context.close();
  });
});

test('dates show in the viewer\'s own time zone, with the UTC time on hover', async ({ browser }) => {
  const context = await browser.newContext({ timezoneId: 'Asia/Tokyo', locale: 'en-GB' });
  const page = await context.newPage();
  await signIn(page, ADMIN.email, ADMIN.password);
  for (const path of ['/invites', '/audit']) {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: path === '/invites' ? 'Invites' : 'Audit log', exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`${path}$`));
    const moment = page.locator('main time[data-local]').first();
    const at = (await moment.getAttribute('datetime'))!;
    const utc = (await moment.getAttribute('title'))!;
    expect(utc).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    // Tokyo is 9 hours ahead of UTC all year.
    const tokyo = await page.evaluate((at) => new Date(at).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Tokyo' }), at);
    await expect(moment).toHaveText(tokyo);
    expect(tokyo).not.toContain('UTC');
  }
  await context.close();
});
