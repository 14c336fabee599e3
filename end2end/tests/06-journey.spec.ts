import { expect, test } from '@playwright/test';
import { expectAccessible, expectAccessibleAtBothWidths, joinFromMail, linkFromMail, mailsTo, markNoReload, newPage, signIn, waitForHydration, wasNotReloaded } from './helpers';

// Runs after 01, which created this admin.
const ADMIN = { email: 'ada@example.com', password: 'correct horse battery' };
const NOPE = 'nope@agency.example';

test('an invitee declines from the email with a reason; the admin sees Declined live and gets an email', async ({ browser }) => {
  const [admin, adminErrors] = await newPage(browser);
  await signIn(admin, ADMIN.email, ADMIN.password);
  await admin.goto('/invites');
  await waitForHydration(admin);
  await admin.getByLabel('Email address').fill(NOPE);
  await admin.getByLabel('Role', { exact: true }).selectOption({ label: 'Analyst' });
  await admin.getByRole('button', { name: 'Send invite' }).click();
  const row = admin.locator(`tr[data-email="${NOPE}"]`);
  await expect(row.locator('.badge.status-pending')).toBeVisible();
  await markNoReload(admin);

  const [invitee, inviteeErrors] = await newPage(browser);
  const link = await linkFromMail(NOPE);
  await invitee.goto(link);
  await waitForHydration(invitee);
  await invitee.getByText('Not for you? Decline the invitation').click();
  await expectAccessible(invitee, 'the invitation page with the decline form open');
  await invitee.getByLabel(/^Reason/).fill('Wrong person <i>sorry</i>');
  await invitee.getByRole('button', { name: 'Decline invitation' }).click();
  await expect(invitee.getByText('You declined the invitation.')).toBeVisible();

  // The admin's open list turns Declined by itself.
  await expect(row.locator('.badge.status-declined')).toBeVisible({ timeout: 10_000 });
  expect(await wasNotReloaded(admin)).toBe(true);

  // The inviter's email, read from the SMTP sink, gives the reason, escaped.
  await expect.poll(async () => (await mailsTo(ADMIN.email)).some((m) => m.subject === `${NOPE} declined your invitation`), { timeout: 15_000 }).toBe(true);
  const mail = (await mailsTo(ADMIN.email)).find((m) => m.subject === `${NOPE} declined your invitation`)!;
  expect(mail.html).toContain('Wrong person &lt;i&gt;sorry&lt;/i&gt;');

  // The link is dead now, and says why.
  await invitee.goto(link);
  await expect(invitee.getByRole('alert').filter({ hasText: 'This invitation was declined' })).toBeVisible();
  await expectAccessibleAtBothWidths(invitee, 'the declined-link page');

  // The timeline shows the decline with its reason.
  await row.getByRole('link', { name: NOPE }).click();
  await expect(admin.locator('.timeline')).toContainText('Invite declined');
  await expect(admin.locator('.decline-reason')).toContainText('Wrong person <i>sorry</i>');
  expect([...adminErrors, ...inviteeErrors]).toEqual([]);
});

const LANDS = 'lands@agency.example';

test('a link opened while the admin is signed in offers to sign out first; the new member lands where the invite says', async ({ browser }) => {
  const [page, errors] = await newPage(browser);
  await signIn(page, ADMIN.email, ADMIN.password);
  await page.goto('/invites');
  await waitForHydration(page);
  await page.getByLabel('Email address').fill(LANDS);
  await page.getByLabel('Role', { exact: true }).selectOption({ label: 'Analyst' });
  await page.getByLabel(/^After accepting, open/).fill('/dashboard');
  await page.getByRole('button', { name: 'Send invite' }).click();
  await expect(page.locator(`tr[data-email="${LANDS}"] .badge.status-pending`)).toBeVisible();

  // The same browser, still signed in as Ada, opens the invitee's link.
  await page.goto(await linkFromMail(LANDS));
  await waitForHydration(page);
  await expect(page.locator('.signed-in-as')).toContainText(`You are signed in as Ada Admin (${ADMIN.email})`);
  await expect(page.getByRole('button', { name: 'Accept invitation' })).toHaveCount(0);
  await expectAccessible(page, 'the invitation page while someone else is signed in');
  await page.getByRole('button', { name: `Sign out and continue as ${LANDS}` }).click();

  // Signed out, back on the invitation, which can now be accepted.
  await expect(page.getByLabel('Your name')).toBeVisible();
  await waitForHydration(page);
  await page.getByLabel('Your name').fill('Lan Ding');
  await page.getByLabel('Choose a password').fill('a long enough password');
  await page.getByLabel('Repeat the password').fill('a long enough password');
  await page.getByRole('button', { name: 'Accept invitation' }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  expect(errors).toEqual([]);
});

const FORGETFUL = { email: 'forgetful@agency.example', name: 'For Getful', password: 'the first long password' };

test('a member who forgot their password gets a link by email, chooses a new one and is signed out elsewhere', async ({ browser }) => {
  const [admin, adminErrors] = await newPage(browser);
  await signIn(admin, ADMIN.email, ADMIN.password);
  await admin.goto('/invites');
  await waitForHydration(admin);
  await admin.getByLabel('Email address').fill(FORGETFUL.email);
  await admin.getByLabel('Role', { exact: true }).selectOption({ label: 'Analyst' });
  await admin.getByRole('button', { name: 'Send invite' }).click();
  await expect(admin.locator(`tr[data-email="${FORGETFUL.email}"] .badge.status-pending`)).toBeVisible();

  // They join, and stay signed in on this "laptop".
  const [laptop, laptopErrors] = await newPage(browser);
  await joinFromMail(laptop, FORGETFUL);

  // On another browser, the password is gone from memory.
  const [phone, phoneErrors] = await newPage(browser);
  await phone.goto('/sign-in');
  await waitForHydration(phone);
  await phone.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(phone.getByRole('heading', { name: 'Forgot your password?' })).toBeVisible();
  await waitForHydration(phone);
  await expectAccessible(phone, 'the forgot-password page');
  await phone.getByLabel('Email').fill(FORGETFUL.email);
  await phone.getByRole('button', { name: 'Email me a link' }).click();
  await expect(phone.getByRole('status')).toContainText('If an account has that address');

  // The real email, from the SMTP sink.
  const link = await linkFromMail(FORGETFUL.email, 'set-password');
  const mail = (await mailsTo(FORGETFUL.email)).at(-1)!;
  expect(mail.subject).toBe('Choose a new password');
  await phone.goto(link);
  await waitForHydration(phone);
  await expect(phone.getByLabel('Email')).toHaveValue(FORGETFUL.email);
  const fresh = 'the second long password';
  await phone.getByLabel(/^New password/).fill(fresh);
  await phone.getByLabel('Repeat the password').fill(fresh);
  await phone.getByRole('button', { name: 'Set password' }).click();
  await expect(phone.getByRole('status')).toContainText('Your password is set');
  await phone.getByLabel('Email').fill(FORGETFUL.email);
  await phone.getByLabel('Password').fill(fresh);
  await phone.getByRole('button', { name: 'Sign in' }).click();
  await expect(phone.getByRole('heading', { name: `Welcome, ${FORGETFUL.name}` })).toBeVisible();

  // The laptop's session ended with the change; the link is spent.
  await laptop.reload();
  await expect(laptop).toHaveURL(/\/sign-in/);
  await laptop.goto(link);
  await expect(laptop.getByRole('alert')).toBeVisible();
  expect([...adminErrors, ...laptopErrors, ...phoneErrors]).toEqual([]);
});

const CONTRACTOR = { email: 'contractor@agency.example', name: 'Con Tractor', password: 'a long contractor password' };

/** A UTC moment as a datetime-local field holds it, to the second. */
function utcInput(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

test('a contractor invited with an end date is signed out at it', async ({ browser }) => {
  const [admin, adminErrors] = await newPage(browser);
  await signIn(admin, ADMIN.email, ADMIN.password);
  await admin.goto('/invites');
  await waitForHydration(admin);
  await admin.getByLabel('Email address').fill(CONTRACTOR.email);
  await admin.getByLabel('Role', { exact: true }).selectOption({ label: 'Analyst' });
  await admin.getByLabel('Link expires after').selectOption('24');
  await admin.getByLabel(/^Access ends \(optional/).fill(utcInput(Date.now() + 14 * 86_400_000).slice(0, 16));
  await admin.getByRole('button', { name: 'Send invite' }).click();
  await expect(admin.locator(`tr[data-email="${CONTRACTOR.email}"] .badge.status-pending`)).toBeVisible();

  const [contractor, contractorErrors] = await newPage(browser);
  await joinFromMail(contractor, CONTRACTOR);

  // The contract ends early: the admin moves the end date to a few seconds from now.
  await admin.goto('/members?ends_within=15');
  await waitForHydration(admin);
  const row = admin.locator(`tr[data-member="${CONTRACTOR.email}"]`);
  await expect(row).toBeVisible();
  const end = Date.now() + 4_000;
  await row.getByLabel(`Access of ${CONTRACTOR.name} ends (UTC; empty: never)`).fill(utcInput(end));
  const saved = admin.waitForResponse((r) => r.url().includes('/api/set_member_access_end'));
  await row.getByRole('button', { name: 'Save end date' }).click();
  expect((await saved).status()).toBe(200);

  // Until then the contractor works; their next request after it signs them out.
  await contractor.reload();
  await expect(contractor.getByRole('heading', { name: `Welcome, ${CONTRACTOR.name}` })).toBeVisible();
  await contractor.waitForTimeout(Math.max(0, end - Date.now()) + 1_000);
  await contractor.reload();
  await expect(contractor).toHaveURL(/\/sign-in/);
  expect([...adminErrors, ...contractorErrors]).toEqual([]);
});

test('a replaced link says so and offers to ask for a new invitation; both pages pass axe', async ({ browser }) => {
  const OLD = 'replaced@agency.example';
  const [admin, adminErrors] = await newPage(browser);
  await signIn(admin, ADMIN.email, ADMIN.password);
  // No waiting between resends for this test; the policy is put back at the end.
  await admin.goto('/policy');
  await waitForHydration(admin);
  const cooldown = admin.getByLabel('Minutes between resends of one invite (0 for none)');
  const before = await cooldown.inputValue();
  await cooldown.fill('0');
  await admin.getByRole('button', { name: 'Save policy' }).click();
  await expect(admin.getByText('Policy saved. It applies from now on.')).toBeVisible();

  await admin.goto('/invites');
  await waitForHydration(admin);
  await admin.getByLabel('Email address').fill(OLD);
  await admin.getByLabel('Role', { exact: true }).selectOption({ label: 'Analyst' });
  await admin.getByRole('button', { name: 'Send invite' }).click();
  const first = await linkFromMail(OLD);
  await admin.locator(`tr[data-email="${OLD}"]`).getByRole('button', { name: 'Resend' }).click();
  await expect.poll(async () => (await mailsTo(OLD)).length, { timeout: 15_000 }).toBe(2);

  const [invitee, inviteeErrors] = await newPage(browser);
  await invitee.goto(first);
  await waitForHydration(invitee);
  await expect(invitee.getByRole('alert').filter({ hasText: 'This link was replaced by a newer invitation.' })).toBeVisible();
  await expectAccessibleAtBothWidths(invitee, 'the replaced-link page');
  await invitee.getByRole('button', { name: 'Request a new invitation' }).click();
  await expect(invitee.getByText('Your administrator has been told. Watch your inbox for a new invitation.')).toBeVisible();
  await expectAccessibleAtBothWidths(invitee, 'the replaced-link page once a new invitation was asked for');

  await admin.goto('/policy');
  await waitForHydration(admin);
  await cooldown.fill(before);
  await admin.getByRole('button', { name: 'Save policy' }).click();
  await expect(admin.getByText('Policy saved. It applies from now on.')).toBeVisible();
  expect([...adminErrors, ...inviteeErrors]).toEqual([]);
});
