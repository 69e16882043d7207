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
    await expect.poll(bg).toBe('rgb(30, 30, 30)');
    await expect(app.locator('.monaco-editor').first()).toHaveClass(/vs-dark/);
    await app.emulateMedia({ colorScheme: 'light' });
    await expect.poll(bg).toBe('rgb(255, 255, 255)');
    await expect(app.locator('.monaco-editor').first()).not.toHaveClass(/vs-dark/);
  });

  test('the theme toggle overrides the OS and is kept across a reload', async ({ app }) => {
    const bg = () => app.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const toggle = app.getByTestId('theme');
    const editor = app.locator('.monaco-editor').first();
    await app.emulateMedia({ colorScheme: 'light' });
    await expect(toggle).toHaveAttribute('data-choice', 'system');
    await expect.poll(bg).toBe('rgb(255, 255, 255)');
    // System → Dark: dark on a light OS, the editor too.
    await toggle.click();
    await expect(toggle).toHaveAttribute('data-choice', 'dark');
    await expect.poll(bg).toBe('rgb(30, 30, 30)');
    await expect(editor).toHaveClass(/vs-dark/);
    await app.reload();
    await app.waitForSelector('body[data-ready="true"]');
    await expect(app.getByTestId('theme')).toHaveAttribute('data-choice', 'dark');
    await expect.poll(bg).toBe('rgb(30, 30, 30)');
    // Dark → Light holds on a dark OS.
    await app.emulateMedia({ colorScheme: 'dark' });
    await app.getByTestId('theme').click();
    await expect(app.getByTestId('theme')).toHaveAttribute('data-choice', 'light');
    await expect.poll(bg).toBe('rgb(255, 255, 255)');
    await expect(app.locator('.monaco-editor').first()).not.toHaveClass(/vs-dark/);
    // Light → System follows the OS again.
    await app.getByTestId('theme').click();
    await expect(app.getByTestId('theme')).toHaveAttribute('data-choice', 'system');
    await expect.poll(bg).toBe('rgb(30, 30, 30)');
  });
});
