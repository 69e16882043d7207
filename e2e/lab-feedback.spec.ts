/**
 * Lab feedback that gives no answer away (issue 17, problem 9), driven in the app: the first Check of lab 05 (the
 * verifier repairs) and of lab 08 (the zero-copy crossover) shows which criteria fail, each in a sentence about the
 * student's own work, with every hint still locked; a second failed Check unlocks them. No `{}` placeholder and no
 * internal error reaches the student.
 */
import { expect, test } from './fixtures';
import type { Page } from '@playwright/test';

async function firstCheck(app: Page, id: string): Promise<void> {
  await app.locator(`[data-testid=lab-list] li[data-lab="${id}"]`).click();
  await expect(app.getByTestId('file-title')).toContainText(`labs/${id}.js`);
  await app.getByTestId('lab-check').click();
  await expect(app.getByTestId('lab-summary')).toContainText(/\d+ of \d+ criteria pass/, { timeout: 120_000 });
}

for (const id of ['05-verifier-repairs', '08-zero-copy-crossover']) {
  test(`lab ${id}: the first Check of the starter reveals no hint and no internal error`, async ({ app }) => {
    test.setTimeout(240_000);
    await firstCheck(app, id);
    const results = app.getByTestId('lab-results');
    const failed = results.locator('[data-testid=lab-criterion][data-pass="false"]');
    const n = await failed.count();
    expect(n).toBeGreaterThan(0);
    // Before any attempt has failed, no hint: each failed criterion says its hint unlocks after this Check.
    await expect(results.getByTestId('lab-hint')).toHaveCount(0);
    await expect(results.getByTestId('lab-hint-locked')).toHaveCount(n);
    const text = (await results.textContent()) ?? '';
    expect(text).not.toMatch(/\{\}|Cannot read properties|TypeError|ReferenceError|at \S+\.js:\d+/);
    if (id === '08-zero-copy-crossover') {
      // The crossover criterion speaks of the student's value (null in the starter), never the expected one.
      const crossover = failed.filter({ hasText: 'the crossover is where explicit zero copy first beats copy' });
      await expect(crossover).toContainText('you reported null');
    }
    // The second failed Check unlocks the hints.
    await app.getByTestId('lab-check').click();
    await expect(results.getByTestId('lab-hint').first()).not.toBeEmpty({ timeout: 120_000 });
    await expect(results.getByTestId('lab-hint-locked')).toHaveCount(0);
  });
}
