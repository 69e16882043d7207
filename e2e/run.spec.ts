import { expect, test, typeScript } from './fixtures';

test.describe('a script from the editor to the console', () => {
  test('runs print(6*7) and shows 42', async ({ app }) => {
    await typeScript(app, 'print(6*7)\n');
    await app.getByTestId('run').click();
    const consoleEl = app.getByTestId('console');
    await expect(consoleEl).toContainText('finished in');
    await expect(consoleEl).toContainText(/^▶ .*\n42\n✓ finished in/);
    await app.screenshot({ path: 'test-results/screenshot.png' });
  });

  test('Ctrl+Enter runs, and output keeps its order and formatting', async ({ app }) => {
    await typeScript(app, "for (let i = 0; i < 3; i++) print('line', i);\nconsole.log({ pfn: 512, order: 9 });\n");
    await app.getByTestId('editor').click();
    await app.keyboard.press('ControlOrMeta+Enter');
    const consoleEl = app.getByTestId('console');
    await expect(consoleEl).toContainText('finished in');
    await expect(consoleEl).toContainText('line 0\nline 1\nline 2\n{ pfn: 512, order: 9 }\n');
  });

  test('a syntax error shows its line in the console and as a marker', async ({ app }) => {
    await typeScript(app, "print('ok');\nlet x = ;\n");
    await app.getByTestId('run').click();
    const consoleEl = app.getByTestId('console');
    await expect(consoleEl).toContainText(/:2:9: SyntaxError: unexpected token/);
    await expect(app.locator('[data-testid=editor] .squiggly-error')).toHaveCount(1);
  });

  test('Stop ends an infinite loop', async ({ app }) => {
    await typeScript(app, "print('spinning');\nwhile (true) {}\n");
    await app.getByTestId('run').click();
    const consoleEl = app.getByTestId('console');
    await expect(consoleEl).toContainText('spinning');
    await expect(app.getByTestId('stop')).toBeEnabled();
    await app.getByTestId('stop').click();
    await expect(consoleEl).toContainText('■ stopped after');
    await expect(app.getByTestId('run')).toBeEnabled();
    // The host survived: the next run works.
    await typeScript(app, 'print(1 + 1)\n');
    await app.getByTestId('run').click();
    await expect(consoleEl).toContainText('2\n✓ finished in');
  });

  test('a run that hits its deadline says which limit ended it', async ({ app }) => {
    await app.getByTestId('timeout').selectOption('2000');
    await typeScript(app, 'while (true) {}\n');
    await app.getByTestId('run').click();
    await expect(app.getByTestId('console')).toContainText('time limit reached', { timeout: 15_000 });
    await expect(app.getByTestId('console')).toContainText('ended by the timeout limit');
  });

  test('edits are saved to the workspace and come back after a reload', async ({ app }) => {
    await typeScript(app, "print('persisted');\n");
    await app.getByTestId('save').click();
    await expect(app.getByTestId('file-title')).not.toContainText('●');
    await app.reload();
    await app.waitForSelector('body[data-ready="true"]');
    await expect(app.getByTestId('editor')).toContainText("print('persisted');");
  });
});
