import { defineConfig } from '@playwright/test';

// scripts/test.sh starts the app (E2E_BASE_URL) and the SMTP sink (MAILDEV_API) before
// running this suite, and stops them afterwards.
if (!process.env.E2E_BASE_URL) {
  throw new Error('E2E_BASE_URL is not set: run the suite through scripts/test.sh');
}

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: process.env.PW_JSON ?? 'test-results/results.json' }]],
  use: {
    baseURL: process.env.E2E_BASE_URL,
    browserName: 'chromium',
    // Debian's Chromium: Playwright cannot download its own browser here.
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
    trace: 'retain-on-failure',
  },
});
