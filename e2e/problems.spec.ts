/**
 * The Problems list (issue 17): the current file's diagnostics (TypeScript's and a run's error), most severe
 * first, with a badge on the tab; a click puts the cursor on the problem's line.
 */
import { expect, newFile, test, typeScript, uniq } from './fixtures';

test.describe('Problems list', () => {
  test("lists the current file's diagnostics and jumps to them", async ({ app }) => {
    const a = `${uniq('problems')}.ts`;
    await newFile(app, a);
    await typeScript(app, "const k = boot();\nprint('ok');\nconst n: number = 'two';\nconst s: string = 3;\n");
    await app.getByTestId('tab-problems').click();
    const rows = app.getByTestId('panel-problems').getByTestId('problem');
    await expect(rows).toHaveCount(2, { timeout: 60_000 });
    await expect(rows.nth(0)).toHaveAttribute('data-line', '3');
    await expect(rows.nth(0)).toContainText("Type 'string' is not assignable to type 'number'");
    await expect(rows.nth(0)).toContainText('Ln 3, Col 7');
    await expect(rows.nth(1)).toHaveAttribute('data-line', '4');
    await expect(app.getByTestId('problems-badge')).toHaveText('2');
    await expect(app.getByTestId('problems-badge')).toHaveClass(/has-errors/);

    // A click moves the cursor to the problem: typing there lands on line 4.
    await rows.nth(1).click();
    await app.keyboard.press('Home');
    await app.keyboard.insertText('// ');
    await expect(rows).toHaveCount(1);
    await expect(app.getByTestId('editor')).toContainText('// const s: string = 3;');

    // Another file has its own list; coming back shows this one's again.
    await newFile(app, `${uniq('clean')}.js`);
    await typeScript(app, "print('clean');\n");
    await expect(rows).toHaveCount(0);
    await expect(app.getByTestId('problems-empty')).toContainText('No problems in');
    await expect(app.getByTestId('problems-badge')).toBeHidden();
    await app.locator(`[data-testid=editor-tabs] [data-path="${a}"] .etab-name`).click();
    await expect(rows).toHaveCount(1);
    await expect(rows.nth(0)).toHaveAttribute('data-line', '3');
  });

  test("a run's error is listed at its line", async ({ app }) => {
    await newFile(app, `${uniq('run-error')}.js`);
    await typeScript(app, "print('before');\n\nthrow new Error('broken on purpose');\n");
    await app.getByTestId('run').click();
    await expect(app.getByTestId('console')).toContainText('broken on purpose', { timeout: 60_000 });
    await app.keyboard.press('Alt+8');
    await expect(app.getByTestId('panel-problems')).toBeVisible();
    const row = app.getByTestId('panel-problems').getByTestId('problem');
    await expect(row).toHaveCount(1);
    await expect(row).toHaveAttribute('data-line', '3');
    await expect(row).toContainText('broken on purpose');
  });
});
