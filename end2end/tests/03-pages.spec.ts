import { expect, test } from '@playwright/test';
import { expectAccessible, expectAccessibleAtBothWidths, failOnConsoleErrors, waitForHydration } from './helpers';

// Runs after 01 and 02, which created this admin and some invites, roles and teams.
const ADMIN = { email: 'ada@example.com', password: 'correct horse battery' };

test('every page hydrates when loaded directly, at desktop and phone widths, and passes axe', async ({ page }) => {
  // A dozen pages at two widths, each with an axe run: more than the default 30 s.
  test.setTimeout(120_000);
  const errors = failOnConsoleErrors(page);
  await page.goto('/sign-in');
  await waitForHydration(page);
  await expectAccessible(page, '/sign-in');
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Email or password is wrong.' })).toBeVisible();
  await expectAccessibleAtBothWidths(page, 'a refused sign-in');
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: /^Welcome, / })).toBeVisible();
  await page.goto('/invites');
  const detail = await page.locator('tbody tr a').first().getAttribute('href');
  expect(detail).toMatch(/^\/invites\//);

  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 800 });
    const pages = ['/', '/dashboard', '/policy', '/invites', '/invites?status=accepted', '/invites?status=pending&role=analyst&sort=email&per_page=2',
      '/invites/bulk', detail!, '/members', '/roles', '/audit', '/audit?action=invite.', '/api-keys', '/webhooks',
      // Pages outside the panel: not found, a link that is no link, a forgotten password.
      '/no-such-page', '/invite/not-a-real-token', '/set-password/not-a-real-token', '/forgot-password'];
    for (const path of pages) {
      await page.goto(path);
      await waitForHydration(page);
      await expect(page.locator('h1').first()).toBeVisible();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${path} at ${width}px`).toBeLessThanOrEqual(0);
      await expectAccessible(page, `${path} at ${width}px`);
    }
  }
  // The one 404 asked for.
  expect(errors.filter((e) => !e.endsWith('/no-such-page'))).toEqual([]);
});

test('at 375 px the invites and members lists read as stacked cards, nothing to scroll sideways', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto('/sign-in');
  await waitForHydration(page);
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: /^Welcome, / })).toBeVisible();
  const lists = [
    ['/invites', 'table.invites', ['td.email-cell a', 'td[data-label="Status"] .badge', 'td.role-cell', 'td.when-cell']],
    ['/members', 'table.members', ['td.email-cell', 'td[data-label="Role"]', 'td[data-label="Joined"]', 'td[data-label="Status"]']],
  ] as const;
  for (const [path, table, cells] of lists) {
    await page.goto(path);
    await waitForHydration(page);
    const wrap = page.locator('.table-wrap', { has: page.locator(table) });
    const sideways = await wrap.evaluate((el) => el.scrollWidth - el.clientWidth);
    expect(sideways, `${path} scrolls sideways`).toBeLessThanOrEqual(0);
    const row = page.locator(`${table} tbody tr`).first();
    for (const cell of cells) {
      const box = await row.locator(cell).first().boundingBox();
      expect(box, `${path} ${cell}`).not.toBeNull();
      expect(box!.x, `${path} ${cell}`).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width, `${path} ${cell} fits`).toBeLessThanOrEqual(375);
    }
    // A card: the cells stack (each starts below the one before).
    const tops = await Promise.all(cells.map(async (c) => (await row.locator(c).first().boundingBox())!.y));
    expect([...tops].sort((a, b) => a - b)).toEqual(tops);
  }
});
