import { expect, test } from '@playwright/test';
import { expectAccessible, expectAccessibleAtBothWidths, linkFromMail, mailsTo, newPage, signIn, waitForHydration } from './helpers';

// Runs after 01-first-admin.spec.ts, which created this admin.
const ADMIN = { email: 'ada@example.com', password: 'correct horse battery' };
const DESIGNER = 'designer@agency.example';
const NEVER = 'never@agency.example';

test('an admin invites a designer as Media Editor in Brand; the designer joins from the email; another invite is revoked', async ({ browser }) => {
  const [admin, adminErrors] = await newPage(browser);
  await signIn(admin, ADMIN.email, ADMIN.password);

  // A custom role and a team, through the Roles page.
  await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Roles' }).click();
  await waitForHydration(admin);
  const newRole = admin.locator('form', { has: admin.getByRole('button', { name: 'Create role' }) });
  await newRole.getByLabel('Role name').fill('Media Editor');
  await newRole.getByLabel('Description').fill('Uploads and edits media');
  await newRole.getByLabel('View invites').check();
  await newRole.getByLabel('Send invites').check();
  await newRole.getByRole('button', { name: 'Create role' }).click();
  await expect(admin.locator('li[data-role="Media Editor"]')).toContainText('View invites · Send invites');
  await admin.getByLabel('New team').fill('Brand');
  await admin.getByRole('button', { name: 'Create team' }).click();
  await expect(admin.locator('li[data-team="Brand"]')).toBeVisible();

  // The invite.
  await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Invites' }).click();
  await waitForHydration(admin);
  await admin.getByLabel('Email address').fill(DESIGNER);
  await admin.getByLabel('Role', { exact: true }).selectOption({ label: 'Media Editor' });
  await admin.getByRole('checkbox', { name: 'Brand' }).check();
  await expect(admin.getByLabel('Link expires after')).toHaveValue('168');
  await admin.getByLabel('Personal note (optional)').fill('Welcome to the brand team! <b>not bold</b>');
  await admin.getByRole('button', { name: 'Send invite' }).click();
  const issued = admin.locator('#issued-link');
  await expect(issued).toHaveValue(/\/invite\//);
  const shownLink = await issued.inputValue();
  const row = admin.locator(`tr[data-email="${DESIGNER}"]`);
  await expect(row.locator('.badge.status-pending')).toBeVisible();
  await expect(row).toContainText('Media Editor · Brand');

  // A second invite, which will be revoked before anyone opens it.
  await admin.getByLabel('Email address').fill(NEVER);
  await admin.getByLabel('Role', { exact: true }).selectOption({ label: 'Analyst' });
  await admin.getByRole('button', { name: 'Send invite' }).click();
  await expect(issued).not.toHaveValue(shownLink);
  const neverLink = await issued.inputValue();

  // The real email, read from the SMTP sink, carries a link of its own: not the copy the
  // admin was shown, so the acceptance can tell which one was used.
  const link = await linkFromMail(DESIGNER);
  expect(link).toMatch(/\/invite\//);
  expect(link).not.toBe(shownLink);
  const mail = (await mailsTo(DESIGNER)).at(-1)!;
  expect(mail.subject).toBe('Ada Admin invited you to join as Media Editor');
  expect(mail.html).toContain('&lt;b&gt;not bold&lt;/b&gt;');
  await expect(row).toContainText('Email sent');

  // The designer, in a browser of their own.
  const [designer, designerErrors] = await newPage(browser);
  await designer.goto(link);
  await waitForHydration(designer);
  await expect(designer.locator('.invite-summary')).toHaveText('Ada Admin invited you to join as Media Editor in Brand.');
  await expect(designer.locator('blockquote.note')).toHaveText('Welcome to the brand team! <b>not bold</b>');
  await expect(designer.getByLabel('Email')).toHaveValue(DESIGNER);
  await expect(designer.getByLabel('Email')).toHaveAttribute('readonly', '');
  await expectAccessibleAtBothWidths(designer, 'the accept page');
  await designer.getByLabel('Your name').fill('Dee Signer');
  await designer.getByLabel('Choose a password').fill('a long designer password');
  await designer.getByLabel('Repeat the password').fill('a long designer password');
  await designer.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(designer.getByRole('heading', { name: 'Welcome, Dee Signer' })).toBeVisible();
  await expect(designer.locator('.current-role')).toHaveText('Media Editor');

  // The admin's list turns Accepted by itself, without a reload.
  await expect(row.locator('.badge.status-accepted')).toBeVisible({ timeout: 10_000 });

  // The invite's timeline.
  await row.getByRole('link', { name: DESIGNER }).click();
  const timeline = admin.locator('.timeline');
  for (const step of ['Invite created', 'Email queued', 'Email sent', 'Link opened', 'Invite accepted']) {
    await expect(timeline.locator('.what', { hasText: step }).first()).toBeVisible();
  }
  await expect(timeline.locator('li', { hasText: 'Invite accepted' })).toContainText('127.0.0.1');

  // One click revokes the other invite; its link is refused from then on.
  await admin.goto('/invites');
  await waitForHydration(admin);
  const neverRow = admin.locator(`tr[data-email="${NEVER}"]`);
  await neverRow.getByRole('button', { name: 'Revoke' }).click();
  await expect(neverRow.locator('.badge.status-revoked')).toBeVisible();
  const [stranger, strangerErrors] = await newPage(browser);
  for (let i = 0; i < 2; i++) {
    await stranger.goto(neverLink);
    await expect(stranger.getByText('This invitation was withdrawn by your administrator.')).toBeVisible();
    await expect(stranger.getByRole('button', { name: 'Accept invitation' })).toHaveCount(0);
  }
  await expectAccessibleAtBothWidths(stranger, 'the revoked-link page');
  // A withdrawn invitation was meant: its page offers no new one.
  await expect(stranger.getByRole('button', { name: 'Request a new invitation' })).toHaveCount(0);

  // The used link is refused too.
  await stranger.goto(link);
  await expect(stranger.getByText('This invitation has already been used.')).toBeVisible();
  await expectAccessibleAtBothWidths(stranger, 'the used-link page');

  // Deactivating the designer signs them out on their very next request.
  await admin.goto('/members');
  await waitForHydration(admin);
  const member = admin.locator(`tr[data-member="${DESIGNER}"]`);
  await expect(member).toContainText('Media Editor');
  await expect(member).toContainText('Ada Admin');
  await member.getByRole('button', { name: 'Deactivate' }).click();
  await expect(member).toContainText('Deactivated');
  await designer.goto('/');
  await expect(designer).toHaveURL(/\/sign-in$/);
  await designer.getByLabel('Email').fill(DESIGNER);
  await designer.getByLabel('Password').fill('a long designer password');
  await designer.getByRole('button', { name: 'Sign in' }).click();
  await expect(designer.getByText('This account has been deactivated.')).toBeVisible();
  await expectAccessibleAtBothWidths(designer, 'a refused sign-in (deactivated)');

  // The panel stays usable on a phone: nothing but the table scrolls sideways.
  await admin.setViewportSize({ width: 375, height: 740 });
  await admin.goto('/invites');
  await expect(admin.getByRole('button', { name: 'Send invite' })).toBeVisible();
  expect(await admin.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);

  expect([...adminErrors, ...designerErrors, ...strangerErrors]).toEqual([]);
});
