import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { expect, test } from '@playwright/test';
import { cli, markNoReload, newPage, signIn, waitForHydration, wasNotReloaded } from './helpers';

// Runs after 01-07: the admin exists, with invites.
const ADMIN = { email: 'ada@example.com', password: 'correct horse battery' };

test('the dashboard and an invite\'s timeline change live, not only the list', async ({ browser }) => {
  const [watcher, errors] = await newPage(browser);
  await signIn(watcher, ADMIN.email, ADMIN.password);
  const [actor] = await newPage(browser);
  await signIn(actor, ADMIN.email, ADMIN.password);

  await watcher.goto('/dashboard');
  await waitForHydration(watcher);
  await markNoReload(watcher);
  const pending = watcher.locator('.stat.status-pending dd').first();
  const before = Number(await pending.textContent());
  await actor.goto('/invites');
  await waitForHydration(actor);
  await actor.getByLabel('Email address').fill('live-dashboard@watch.example');
  await actor.getByLabel('Role', { exact: true }).selectOption({ label: 'Analyst' });
  await actor.getByRole('button', { name: 'Send invite' }).click();
  await expect(pending).toHaveText(String(before + 1), { timeout: 5_000 });

  // To the invite's page in place, then the other admin revokes it: the timeline says so.
  await watcher.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Invites', exact: true }).click();
  await watcher.getByRole('link', { name: 'live-dashboard@watch.example' }).click();
  await expect(watcher.getByRole('heading', { level: 1, name: 'live-dashboard@watch.example' })).toBeVisible();
  const timeline = watcher.locator('.timeline');
  await expect(timeline).toContainText('Invite created');
  await actor.locator('tr[data-email="live-dashboard@watch.example"]').getByRole('button', { name: 'Revoke' }).click();
  await expect(timeline).toContainText('Invite revoked', { timeout: 5_000 });
  expect(await wasNotReloaded(watcher)).toBe(true);
  expect(errors).toEqual([]);
});

/** A port nobody listens on. */
async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A server of our own on the suite's database, so this test may stop and start it. */
async function startServer(port: number): Promise<ChildProcess> {
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.env.VESTIBULE_BIN!, ['serve'], {
    env: { ...process.env, VESTIBULE_LISTEN: `127.0.0.1:${port}`, VESTIBULE_PUBLIC_URL: base, VESTIBULE_LOG: 'warn' },
    stdio: 'ignore',
  });
  await expect
    .poll(async () => (await fetch(`${base}/healthz`).catch(() => null))?.status ?? 0, { timeout: 30_000 })
    .toBe(200);
  return child;
}

test('after a server restart the open page reconnects by itself and shows what changed meanwhile', async ({ browser }) => {
  test.setTimeout(90_000);
  const port = await freePort();
  let server = await startServer(port);
  try {
    const page = await (await browser.newContext({ baseURL: `http://127.0.0.1:${port}` })).newPage();
    await signIn(page, ADMIN.email, ADMIN.password);
    await page.goto('/invites');
    await waitForHydration(page);
    await markNoReload(page);

    // The server goes away; an invite is made while it is down; it comes back.
    server.kill('SIGKILL');
    await new Promise((r) => server.once('exit', r));
    cli('invite', '--email', 'while-down@restart.example', '--role', 'Analyst', '--as', ADMIN.email, '--no-email');
    server = await startServer(port);

    await expect(page.locator('tr[data-email="while-down@restart.example"]')).toBeVisible({ timeout: 20_000 });
    expect(await wasNotReloaded(page)).toBe(true);
  } finally {
    server.kill('SIGKILL');
  }
});
