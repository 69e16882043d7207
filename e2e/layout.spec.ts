import { expect, test } from './fixtures';

test.describe('layout and theme', () => {
  test('the side pane keeps the width it was dragged to across a reload', async ({ app }) => {
    const side = app.locator('.side');
    const before = (await side.boundingBox())!.width;
    const bar = (await app.getByTestId('splitter').boundingBox())!;
    await app.mouse.move(bar.x + bar.width / 2, bar.y + 200);
    await app.mouse.down();
    await app.mouse.move(bar.x - 150, bar.y + 200, { steps: 5 });
    await app.mouse.up();
    const after = (await side.boundingBox())!.width;
    expect(after).toBeGreaterThan(before + 100);
    await app.getByTestId('tab-results').click();
    await app.reload();
    await app.waitForSelector('body[data-ready="true"]');
    expect(Math.abs((await side.boundingBox())!.width - after)).toBeLessThan(3);
    await expect(app.getByTestId('panel-results')).toBeVisible();
  });

  test('follows the OS theme, dark or light', async ({ app }) => {
    const bg = () => app.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await app.emulateMedia({ colorScheme: 'dark' });
    expect(await bg()).toBe('rgb(30, 30, 30)');
    await expect(app.locator('.monaco-editor').first()).toHaveClass(/vs-dark/);
    await app.emulateMedia({ colorScheme: 'light' });
    expect(await bg()).toBe('rgb(255, 255, 255)');
    await expect(app.locator('.monaco-editor').first()).not.toHaveClass(/vs-dark/);
  });
});
