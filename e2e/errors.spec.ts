/**
 * Errors that point at the right place (issue 17): TypeScript diagnostics per script, the line a timeout
 * stopped on, BPF assembly errors on the script's own line, and what a watchdog kill keeps.
 */
import type { Page } from '@playwright/test';
import { expect, newFile, test, typeScript, uniq } from './fixtures';

const squiggles = (app: Page) => app.locator('[data-testid=editor] .squiggly-error');

test.describe('errors point at the right place', () => {
  test('two open .ts files with `const k = boot()` do not redeclare each other', async ({ app }, testInfo) => {
    // Each file has one real type error on line 2; a cross-file redeclaration of `k` would add a second.
    const a = `${uniq('ts-a')}.ts`;
    await newFile(app, a);
    await typeScript(app, "const k = boot();\nconst a: number = 'one';\nprint(k.mm.meminfo().MemFree);\n");
    await newFile(app, `${uniq('ts-b')}.ts`);
    const t0 = Date.now();
    await typeScript(app, 'const k = boot();\nconst b: string = 2;\nprint(k.mm.meminfo().MemTotal);\n');
    await expect(squiggles(app)).not.toHaveCount(0, { timeout: 60_000 });
    const firstDiagnosticsMs = Date.now() - t0;
    await expect(squiggles(app)).toHaveCount(1);
    // Back to the first file: its own error only.
    await app.locator(`[data-testid=editor-tabs] [data-path="${a}"] .etab-name`).click();
    await expect(app.getByTestId('editor')).toContainText("const a: number = 'one';");
    await expect(squiggles(app)).not.toHaveCount(0);
    await expect(squiggles(app)).toHaveCount(1);
    testInfo.annotations.push({ type: 'first-ts-diagnostics-ms', description: String(firstDiagnosticsMs) });
    console.log(`first TypeScript diagnostics after ${firstDiagnosticsMs} ms`);
  });

  test('a timeout reports the line of the loop that was running', async ({ app }) => {
    await newFile(app, `${uniq('spin')}.js`);
    await app.getByTestId('timeout').selectOption('2000');
    await typeScript(app, "print('spinning');\nlet i = 0;\n  while (true) { i++; }\n");
    await app.getByTestId('run').click();
    const consoleEl = app.getByTestId('console');
    await expect(consoleEl).toContainText('time limit reached', { timeout: 15_000 });
    await expect(consoleEl).toContainText(/\.js:3:3: time limit reached/);
    await expect(squiggles(app)).toHaveCount(1);
    await expect(
      app.locator('[data-testid=editor] .view-overlays > div').nth(2).locator('.squiggly-error'),
    ).toHaveCount(1);
  });
});
