import { expect, test } from '@playwright/test';
import { expectAccessible, failOnConsoleErrors, signIn, waitForHydration } from './helpers';

// Runs after 01 to 04, which created this admin.
const ADMIN = { email: 'ada@example.com', password: 'correct horse battery' };

test('an API key made on its page works at once, is shown once, and stops when revoked', async ({ page, request }) => {
  const errors = failOnConsoleErrors(page);
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.goto('/api-keys');
  await waitForHydration(page);
  await page.getByLabel('Name (what uses it)').fill('Playwright CRM');
  await page.getByLabel(/invitations:read/).check();
  await page.getByRole('button', { name: 'Create key' }).click();
  const shown = page.locator('#issued-key');
  await expect(shown).toHaveValue(/^vsk_/);
  const key = await shown.inputValue();
  const row = page.locator('tr[data-key="Playwright CRM"]');
  await expect(row).toContainText('invitations:read');
  await expect(row).toContainText(key.slice(0, 12));
  await expect(row).not.toContainText(key);
  await expectAccessible(page, '/api-keys with a key shown');

  const roles = await request.get('/api/v1/roles', { headers: { Authorization: `Bearer ${key}` } });
  expect(roles.status()).toBe(200);
  const members = await request.get('/api/v1/members', { headers: { Authorization: `Bearer ${key}` } });
  expect(members.status()).toBe(403);

  await row.getByRole('button', { name: 'Revoke' }).click();
  await expect(row.locator('.badge')).toHaveText('Revoked');
  const after = await request.get('/api/v1/roles', { headers: { Authorization: `Bearer ${key}` } });
  expect(after.status()).toBe(401);
  expect((await after.json()).detail).toContain('revoked');
  expect(errors).toEqual([]);
});

test('a webhook endpoint on a loopback address is refused with the reason next to the URL', async ({ page }) => {
  const errors = failOnConsoleErrors(page);
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.goto('/webhooks');
  await waitForHydration(page);
  await page.getByLabel('URL (https)').fill('https://127.0.0.1/hooks');
  await page.getByLabel('All events').check();
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  await expect(page.locator('[data-error-for="url"]')).toContainText('loopback');
  await expect(page.getByText('No webhook endpoints yet.')).toBeVisible();
  await expectAccessible(page, '/webhooks with an error');
  expect(errors).toEqual([]);
});
