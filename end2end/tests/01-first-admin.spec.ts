import { expect, test } from '@playwright/test';
import { bootstrapAdmin, cli, expectAccessibleAtBothWidths, failOnConsoleErrors, mailsTo, waitForHydration } from './helpers';

const ADMIN = { email: 'ada@example.com', name: 'Ada Admin', password: 'correct horse battery' };

test.describe.serial('first admin', () => {
  test('bootstraps, sets a password, signs in, sees the navigation and signs out', async ({ page }) => {
    const errors = failOnConsoleErrors(page);
    const link = bootstrapAdmin(ADMIN.email, ADMIN.name);

    await page.goto(link);
    await waitForHydration(page);
    await expect(page.getByRole('heading', { name: 'Set your password' })).toBeVisible();
    await expect(page.getByLabel('Email')).toHaveValue(ADMIN.email);
    await page.getByLabel('New password').fill('too short');
    await page.getByLabel('Repeat the password').fill('too short');
    await page.getByRole('button', { name: 'Set password' }).click();
    await expect(page.getByText('Use at least 10 characters.')).toBeVisible();
    await expectAccessibleAtBothWidths(page, 'the set-password page with an error');

    await page.getByLabel('New password').fill(ADMIN.password);
    await page.getByLabel('Repeat the password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Set password' }).click();
    await expect(page).toHaveURL(/\/sign-in\?password_set=1$/);
    await expect(page.getByText('Your password is set.')).toBeVisible();

    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'Email or password is wrong.' })).toBeVisible();

    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: `Welcome, ${ADMIN.name}` })).toBeVisible();
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const item of ['Home', 'Invites', 'Members', 'Roles', 'Audit log']) {
      await expect(nav.getByRole('link', { name: item, exact: true })).toBeVisible();
    }
    await expect(page.locator('.who .badge.role')).toHaveText('Admin');

    // Links are links; with the WASM a click fetches the next page whole from the server, its
    // data in the HTML itself, and swaps it in: one request, no other to show it.
    await waitForHydration(page);
    const [members] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'GET' && r.url().endsWith('/members')),
      nav.getByRole('link', { name: 'Members' }).click(),
    ]);
    expect(await members.text()).toContain(`data-member="${ADMIN.email}"`);
    await expect(page.getByRole('heading', { name: 'Members' })).toBeVisible();
    await expect(page.locator(`tr[data-member="${ADMIN.email}"]`)).toContainText('Admin');

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await expect(page).toHaveURL(/\/sign-in$/);
    await page.goto('/members');
    await expect(page).toHaveURL(/\/sign-in\?next=\/members$/);

    // A second bootstrap is refused now that an admin exists.
    expect(() => cli('admin', 'bootstrap', '--email', 'mallory@example.com')).toThrow(/An admin already exists/);
    expect(errors).toEqual([]);
  });

  test('the signed-in page is usable at 375 px wide', async ({ page }) => {
    await page.setViewportSize({ width: 375, height: 740 });
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: `Welcome, ${ADMIN.name}` })).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await expect(page.getByRole('button', { name: 'Sign out', exact: true })).toBeInViewport();
  });
});

test('mail goes out over real SMTP to the sink', async () => {
  const to = `check-${Date.now()}@example.com`;
  const out = cli('mail', 'test', '--to', to);
  expect(out).toContain(`Sent a test email to ${to}`);
  const mails = await mailsTo(to);
  expect(mails).toHaveLength(1);
  expect(mails[0].subject).toBe('Vestibule test email');
  expect(mails[0].text).toContain('If you can read it, mail works.');
  expect(mails[0].html).toContain('<p>If you can read it, mail works.</p>');
});
