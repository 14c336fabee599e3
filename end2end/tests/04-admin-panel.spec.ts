import { expect, test } from '@playwright/test';
import { expectAccessibleAtBothWidths, linkFromMail, mailsTo, markNoReload, newPage, signIn, waitForHydration, wasNotReloaded } from './helpers';

// Runs after 01 and 02, which created this admin, the Media Editor role and the Brand team.
const ADMIN = { email: 'ada@example.com', password: 'correct horse battery' };
const GRACE = { email: 'grace@example.com', name: 'Grace Admin', password: 'another long password' };
const LIVE = 'live@agency.example';

test.describe.serial('admin panel', () => {
  test('two admins: an invite one sends appears for the other, and a revoke shows up live, without a reload', async ({ browser }) => {
    const [ada, adaErrors] = await newPage(browser);
    await signIn(ada, ADMIN.email, ADMIN.password);
    await ada.goto('/invites');
    await waitForHydration(ada);

    // Ada invites Grace as a second Admin; Grace joins from the real email.
    await ada.getByLabel('Email address').fill(GRACE.email);
    await ada.getByLabel('Role', { exact: true }).selectOption({ label: 'Admin' });
    await ada.getByRole('button', { name: 'Send invite' }).click();
    await expect(ada.locator('#issued-link')).toHaveValue(/\/invite\//);
    const [grace, graceErrors] = await newPage(browser);
    await grace.goto(await linkFromMail(GRACE.email));
    await waitForHydration(grace);
    await grace.getByLabel('Your name').fill(GRACE.name);
    await grace.getByLabel('Choose a password').fill(GRACE.password);
    await grace.getByLabel('Repeat the password').fill(GRACE.password);
    await grace.getByRole('button', { name: 'Accept invitation' }).click();
    await expect(grace.getByRole('heading', { name: `Welcome, ${GRACE.name}` })).toBeVisible();
    await grace.goto('/invites');
    await waitForHydration(grace);
    await markNoReload(grace);
    await markNoReload(ada);

    // Ada sends an invite: it appears in Grace's open list by itself.
    await ada.getByLabel('Email address').fill(LIVE);
    await ada.getByLabel('Role', { exact: true }).selectOption({ label: 'Analyst' });
    await ada.getByRole('button', { name: 'Send invite' }).click();
    const graceRow = grace.locator(`tr[data-email="${LIVE}"]`);
    await expect(graceRow.locator('.badge.status-pending')).toBeVisible({ timeout: 5_000 });

    // Grace revokes it: Ada's list says Revoked within moments.
    await graceRow.getByRole('button', { name: 'Revoke' }).click();
    const adaRow = ada.locator(`tr[data-email="${LIVE}"]`);
    await expect(adaRow.locator('.badge.status-revoked')).toBeVisible({ timeout: 5_000 });
    expect(await wasNotReloaded(ada)).toBe(true);
    expect(await wasNotReloaded(grace)).toBe(true);
    expect([...adaErrors, ...graceErrors]).toEqual([]);
  });

  test('bulk CSV: the dry run lists each problem, a progress bar follows, a summary ends it, and only good rows get email', async ({ browser }) => {
    const [ada, errors] = await newPage(browser);
    await signIn(ada, ADMIN.email, ADMIN.password);
    await ada.goto('/invites');
    await waitForHydration(ada);
    await ada.getByRole('link', { name: 'Bulk invite from CSV' }).click();
    await expect(ada.getByRole('heading', { name: 'Bulk invite' })).toBeVisible();

    // A file that is not UTF-8 is refused, naming the line.
    await ada.getByLabel('Upload a CSV file').setInputFiles({
      name: 'latin1.csv',
      mimeType: 'text/csv',
      buffer: Buffer.concat([Buffer.from('email,role\nok@csv.example,Editor\nren'), Buffer.from([0xe9]), Buffer.from('@csv.example,Editor\n')]),
    });
    await expect(ada.getByText('The file is not UTF-8 text (first bad byte on line 3).')).toBeVisible();

    const good = ['bulk-ann@csv.example', 'bulk-bob@csv.example', 'bulk-dee@csv.example'];
    const bad = ['bulk-cy@csv.example'];
    const csv = [
      'email,role,teams',
      `${good[0]},Editor,Brand`,
      `${good[1]},Analyst,`,
      'not-an-email,Editor,',
      `${bad[0]},Owner,`,
      `${good[0]},Editor,`,
      `${good[2]},Media Editor,Brand`,
    ].join('\n');
    await ada.getByLabel('Upload a CSV file').setInputFiles({ name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await expect(ada.getByLabel('… or paste the rows')).toHaveValue(csv);
    await ada.getByRole('button', { name: 'Check rows' }).click();

    await expect(ada.locator('.dry-run-summary')).toContainText('6 rows: 3 ready, 3 with problems.');
    await expect(ada.locator('tr[data-line="4"] .problem')).not.toBeEmpty();
    await expect(ada.locator('tr[data-line="5"] .problem')).toHaveText('Unknown role "Owner".');
    await expect(ada.locator('tr[data-line="6"] .problem')).toHaveText('Duplicate: the same address is on line 2.');
    await expectAccessibleAtBothWidths(ada, 'the bulk dry run');

    await ada.getByRole('button', { name: 'Send 3 invites' }).click();
    const bar = ada.locator('progress#bulk-progress');
    await expect(bar).toBeVisible();
    await expect(ada.locator('.bulk-summary')).toHaveText('Done: 3 invites created, 3 rows skipped. Emails are on their way.');
    await expect(bar).toHaveAttribute('max', '6');
    await expect(bar).toHaveAttribute('value', '6');
    const summary = ada.locator('section', { has: ada.getByRole('heading', { name: 'Import summary' }) });
    await expect(summary.locator('tr[data-line="5"] .problem')).toHaveText('Unknown role "Owner".');
    await expectAccessibleAtBothWidths(ada, 'the import summary');

    // The real emails: one for each good row, none for the others.
    for (const address of good) {
      await expect.poll(async () => (await mailsTo(address)).length, { timeout: 15_000 }).toBe(1);
    }
    for (const address of bad) {
      expect(await mailsTo(address)).toHaveLength(0);
    }
    expect(errors).toEqual([]);
  });

  test('filters and pages follow the URL; selected pending invites are revoked together', async ({ browser }) => {
    const [ada, errors] = await newPage(browser);
    await signIn(ada, ADMIN.email, ADMIN.password);
    await ada.goto('/invites');
    await waitForHydration(ada);

    await ada.getByLabel('By role').selectOption({ label: 'Analyst' });
    await ada.getByRole('button', { name: 'Apply' }).click();
    await expect(ada).toHaveURL(/role=analyst/);
    const roles = ada.locator('table.invites tbody td.role-cell');
    await expect(roles.first()).toContainText('Analyst');
    for (const text of await roles.allTextContents()) expect(text).toContain('Analyst');

    // Two rows a page: next, then back to the same first page.
    await ada.goto('/invites?per_page=2');
    await waitForHydration(ada);
    const emails = () => ada.locator('table.invites tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-email')));
    const first = await emails();
    expect(first).toHaveLength(2);
    await ada.getByRole('link', { name: 'Next →' }).click();
    await expect(ada).toHaveURL(/after=/);
    await expect.poll(emails).not.toEqual(first);
    await ada.getByRole('link', { name: '← Previous' }).click();
    await expect.poll(emails).toEqual(first);

    // Bulk revoke two of the bulk-invited people.
    await ada.goto('/invites?status=pending&q=bulk-&mode=prefix');
    await waitForHydration(ada);
    await ada.getByRole('checkbox', { name: 'Select bulk-ann@csv.example' }).check();
    await ada.getByRole('checkbox', { name: 'Select bulk-bob@csv.example' }).check();
    await ada.getByRole('button', { name: 'Revoke selected' }).click();
    await expect(ada.getByRole('status').filter({ hasText: 'Revoked 2 invites.' })).toBeVisible();
    await expect(ada.locator('tr[data-email="bulk-ann@csv.example"]')).toHaveCount(0);
    await expect(ada.locator('tr[data-email="bulk-dee@csv.example"]')).toBeVisible();
    await ada.goto('/invites?status=revoked&q=bulk-&mode=prefix');
    await expect(ada.locator('tr[data-email="bulk-ann@csv.example"] .badge.status-revoked')).toBeVisible();
    await expect(ada.locator('tr[data-email="bulk-bob@csv.example"] .badge.status-revoked')).toBeVisible();
    expect(errors).toEqual([]);
  });
});
