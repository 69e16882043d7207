/**
 * A 1024×700 window: the toolbar stays one row with its status whole, no splitter drag collapses a pane, and with
 * more editor tabs than fit the active one is in view and a menu lists them all.
 */
import type { Page } from '@playwright/test';
import { expect, newFile, test, uniq } from './fixtures';

const box = async (app: Page, selector: string) => (await app.locator(selector).first().boundingBox())!;

/** Drags the splitter's middle to `x`. */
async function dragSplitterTo(app: Page, x: number): Promise<void> {
  const bar = (await app.getByTestId('splitter').boundingBox())!;
  await app.mouse.move(bar.x + bar.width / 2, bar.y + 200);
  await app.mouse.down();
  await app.mouse.move(x, bar.y + 200, { steps: 8 });
  await app.mouse.up();
}

test.describe('a narrow window (1024×700)', () => {
  test.beforeEach(async ({ app }) => {
    await app.setViewportSize({ width: 1024, height: 700 });
  });

  test('the toolbar is one row and shows its status whole', async ({ app }) => {
    const toolbar = await box(app, '.toolbar');
    const run = await box(app, '[data-testid=run]');
    // One row: the toolbar is no taller than its tallest control and its padding.
    expect(toolbar.height).toBeLessThan(run.height * 1.5 + 16);
    for (const id of [
      'examples-menu',
      'recent-menu',
      'share-menu',
      'theme',
      'session-import',
      'seed',
      'timeout',
      'save',
      'run',
      'stop',
      'status',
    ]) {
      const b = (await app.getByTestId(id).boundingBox())!;
      expect(b.x + b.width, id).toBeLessThanOrEqual(1024);
      // No control's label wraps onto a second line.
      expect(b.height, id).toBeLessThan(run.height * 1.5);
    }
    const status = app.getByTestId('status');
    await expect(status).not.toHaveText('connecting…');
    await app.screenshot({ path: 'test-results/narrow-1024.png' });
    const cut = await status.evaluate((el) => el.scrollWidth > el.clientWidth);
    expect(cut).toBe(false);
  });

  test('the splitter stops at each pane’s minimum, both ways', async ({ app }) => {
    await dragSplitterTo(app, 0);
    const editorLeft = (await box(app, '.editor-pane')).width;
    const sideLeft = (await box(app, '.side')).width;
    expect(editorLeft).toBeGreaterThanOrEqual(240);
    expect((await box(app, '.files')).width).toBeGreaterThanOrEqual(189);
    expect(sideLeft).toBeGreaterThan(300);
    await dragSplitterTo(app, 1024);
    expect((await box(app, '.side')).width).toBeGreaterThanOrEqual(300);
    expect((await box(app, '.editor-pane')).width).toBeGreaterThan(240);
    // The keyboard goes no further than the pointer.
    await app.getByTestId('splitter').focus();
    for (let i = 0; i < 40; i++) await app.keyboard.press('ArrowRight');
    expect((await box(app, '.side')).width).toBeGreaterThanOrEqual(300);
    // The editor still works at its narrowest: it takes typing.
    await dragSplitterTo(app, 0);
    await app.getByTestId('editor').click();
    await app.keyboard.press('ControlOrMeta+End');
    await app.keyboard.type('// narrow');
    await expect(app.getByTestId('editor')).toContainText('// narrow');
  });

  test('a side pane dragged wide in a large window leaves the editor its minimum in a narrow one', async ({ app }) => {
    await app.setViewportSize({ width: 1600, height: 900 });
    await dragSplitterTo(app, 600);
    expect((await box(app, '.side')).width).toBeGreaterThan(900);
    await app.setViewportSize({ width: 1024, height: 700 });
    await expect.poll(async () => (await box(app, '.editor-pane')).width).toBeGreaterThanOrEqual(240);
    expect((await box(app, '.side')).width).toBeGreaterThanOrEqual(300);
    const side = await box(app, '.side');
    expect(side.x + side.width).toBeLessThanOrEqual(1024 + 1);
  });

  test('22 open tabs: the active one is in view, and the menu opens any of them', async ({ app }) => {
    test.setTimeout(180_000);
    const stem = uniq('tab');
    const names = Array.from({ length: 22 }, (_, i) => `${stem}-${String(i).padStart(2, '0')}.js`);
    for (const n of names) await newFile(app, n);
    const inView = async (name: string) => {
      const strip = await box(app, '[data-testid=editor-tabs]');
      const tab = (await app.locator(`[data-testid=editor-tabs] .etab[data-path$="${name}"]`).boundingBox())!;
      return tab.x >= strip.x - 1 && tab.x + tab.width <= strip.x + strip.width + 1;
    };
    // More tabs than fit: the first is out of view, the active (last) one in it.
    expect(await inView(names[0]!)).toBe(false);
    expect(await inView(names[21]!)).toBe(true);
    await app.getByTestId('tabs-menu').click();
    await expect(app.getByTestId('tabs-list').locator('li')).toHaveCount(
      await app.locator('[data-testid=editor-tabs] .etab').count(),
    );
    await app.getByTestId('tabs-list').locator(`li[data-path$="${names[0]}"]`).click();
    await expect(app.getByTestId('file-title')).toHaveText(names[0]!);
    await expect.poll(() => inView(names[0]!)).toBe(true);
    expect(await inView(names[21]!)).toBe(false);
  });
});
