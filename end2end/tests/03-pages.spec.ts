import { expect, test } from '@playwright/test';
import { expectAccessible, failOnConsoleErrors, waitForHydration } from './helpers';

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
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: /^Welcome, / })).toBeVisible();
  await page.goto('/invites');
  const detail = await page.locator('tbody tr a').first().getAttribute('href');
  expect(detail).toMatch(/^\/invites\//);

  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: 800 });
    const pages = ['/', '/dashboard', '/policy', '/invites', '/invites?status=accepted', '/invites?status=pending&role=analyst&sort=email&per_page=2',
      '/invites/bulk', detail!, '/members', '/roles', '/audit', '/audit?action=invite.', '/api-keys', '/webhooks'];
    for (const path of pages) {
      await page.goto(path);
      await waitForHydration(page);
      await expect(page.locator('h1').first()).toBeVisible();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(overflow, `${path} at ${width}px`).toBeLessThanOrEqual(0);
      await expectAccessible(page, `${path} at ${width}px`);
    }
  }
  expect(errors).toEqual([]);
});
