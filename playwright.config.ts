import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, findBrowser } from './e2e/browsers';

const browser = findBrowser();

export default defineConfig({
  testDir: 'e2e',
  timeout: 60_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e.json' }]],
  globalSetup: './e2e/global-setup.ts',
  outputDir: 'test-results/e2e',
  use: {
    viewport: { width: 1400, height: 860 },
    trace: 'off',
    screenshot: 'only-on-failure',
  },
  projects: [
    {
      name: 'web',
      use: {
        browserName: 'chromium',
        launchOptions: {
          ...(browser?.executablePath ? { executablePath: browser.executablePath } : {}),
          args: CHROMIUM_ARGS,
        },
      },
    },
    { name: 'electron' },
  ],
});
