/**
 * One spec suite, two hosts: the `web` project opens the browser host's URL in Chromium; the `electron` project
 * launches the built app with Playwright's _electron (skipped, with the reason, where the binary is missing).
 */
import { test as base, expect, _electron, type Page } from '@playwright/test';
import path from 'node:path';
import { findBrowser, findElectron, NO_BROWSER_HINT } from './browsers';

const root = path.resolve(import.meta.dirname, '..');

export const test = base.extend<{ app: Page }>({
  // Built on `playwright`, not on `page`: the electron project must not launch a browser.
  app: async ({ playwright }, use, testInfo) => {
    if (testInfo.project.name === 'electron') {
      const bin = findElectron(root);
      test.skip(
        !bin,
        "Electron's binary is not installed here (it is downloaded from the internet, which this machine cannot reach)",
      );
      const app = await _electron.launch({
        executablePath: bin!,
        args: [path.join(root, 'out/main/main.js'), '--no-sandbox'],
        env: { ...process.env, KERNEL_LAB_WORKSPACE: process.env.KERNEL_LAB_E2E_WORKSPACE ?? '' },
      });
      const win = await app.firstWindow();
      await win.waitForSelector('body[data-ready="true"]');
      await use(win);
      await app.close();
      return;
    }
    test.skip(!findBrowser(), NO_BROWSER_HINT);
    const browser = await playwright.chromium.launch(testInfo.project.use.launchOptions);
    const context = await browser.newContext({ viewport: testInfo.project.use.viewport ?? null });
    const page = await context.newPage();
    await page.goto(process.env.KERNEL_LAB_URL!);
    await page.waitForSelector('body[data-ready="true"]');
    await use(page);
    await browser.close();
  },
});

/** Replaces the editor's text by typing, as a person would. */
export async function typeScript(page: Page, code: string): Promise<void> {
  const editor = page.getByTestId('editor');
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  // Monaco auto-closes brackets and quotes as one types; insertText types the text as given.
  await page.keyboard.insertText(code);
}

export { expect };

/** Creates a new workspace file through the New dialog and makes it the current one. */
export async function newFile(page: Page, name: string): Promise<void> {
  await page.getByTestId('new-file').click();
  await page.getByTestId('dialog-input').fill(name);
  await page.getByTestId('dialog-ok').click();
  await expect(page.getByTestId('file-title')).toHaveText(name);
}

/** Types a script into the editor, runs it and waits until the run has ended. */
export async function runScript(page: Page, code: string, timeout = 60_000): Promise<void> {
  await typeScript(page, code);
  await page.getByTestId('run').click();
  await expect(page.getByTestId('console')).toContainText(/✓ finished in|✗ .* after|■ stopped after/, { timeout });
}

/** Opens a bundled example from the Examples menu. */
export async function openExample(page: Page, name: string): Promise<void> {
  await page.getByTestId('examples-menu').click();
  await page.locator(`[data-testid=examples-list] [data-example="${name}"]`).click();
  await expect(page.getByTestId('file-title')).toContainText(`examples/${name}`);
}

/** A unique file-name stem per test, since the specs share one workspace. */
export function uniq(stem: string): string {
  return `${stem}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e4).toString(36)}`;
}
