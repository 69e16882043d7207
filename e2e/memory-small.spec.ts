/**
 * Small fixes of the memory panel (issue 17): machine sizes labelled as they were booted (64M, 1.5G, not "0G"),
 * and "Go to pfn" keeping its frame centred and described across zooms.
 */
import { expect, newFile, runScript, test, uniq } from './fixtures';

test('machines are labelled with the size they were booted with', async ({ app }) => {
  await newFile(app, `${uniq('sizes')}.js`);
  await runScript(
    app,
    "boot({ memory: '64M' });\nboot({ memory: '1536M' });\nboot({ memory: '2G' });\nprint('booted');\n",
  );
  await expect(app.getByTestId('console')).toContainText('booted');
  const options = app.getByTestId('machine-select').locator('option');
  await expect(options).toHaveCount(3);
  await expect(options.nth(0)).toContainText('machine 0 · 64M ·');
  await expect(options.nth(1)).toContainText('machine 1 · 1.5G ·');
  await expect(options.nth(2)).toContainText('machine 2 · 2G ·');
});

test('Go to pfn keeps its frame centred and described across zooms', async ({ app }) => {
  await newFile(app, `${uniq('goto-zoom')}.js`);
  await runScript(app, "boot({ memory: '1G' });\nprint('booted');\n");
  await app.getByTestId('tab-memory').click();
  // Pageblock 288: row 4, column 32 of the 1G map (64 columns), away from the edges where the view stops.
  const target = 288 * 512 + 0x10;
  await app.getByTestId('mm-goto').fill(`0x${target.toString(16)}`);
  await app.getByTestId('mm-goto').press('Enter');
  const canvas = app.getByTestId('mm-canvas');
  await expect(canvas).toHaveAttribute('data-view', 'frames');
  /** Where the target frame's centre is on the canvas, and the canvas's size. */
  const where = async (): Promise<{ x: number; y: number; w: number; h: number; cell: number }> => {
    const [cell, cols, panX, panY, w, h] = await Promise.all(
      ['data-cell', 'data-cols', 'data-pan-x', 'data-pan-y', 'width', 'height'].map(async (a) =>
        Number(await canvas.getAttribute(a)),
      ),
    );
    const b = Math.floor(target / 512);
    const k = target % 512;
    const x = (b % cols!) * cell! - panX! + ((k % 32) + 0.5) * (cell! / 32);
    const y = Math.floor(b / cols!) * cell! - panY! + (Math.floor(k / 32) + 0.5) * (cell! / 16);
    return { x, y, w: w!, h: h!, cell: cell! };
  };
  const hover = app.getByTestId('mm-hover');
  const zoomOut = app.getByTestId('mm-zoom-out');
  const check = async (what: string): Promise<void> => {
    // The frame stays in view (in its middle, within a cell's rounding, in the frame view), and described.
    const p = await where();
    expect(p.x, what).toBeGreaterThanOrEqual(0);
    expect(p.x, what).toBeLessThanOrEqual(p.w);
    expect(p.y, what).toBeGreaterThanOrEqual(0);
    expect(p.y, what).toBeLessThanOrEqual(p.h);
    if ((await canvas.getAttribute('data-view')) === 'frames') {
      expect(Math.abs(p.x - p.w / 2), what).toBeLessThanOrEqual(p.cell / 2);
      expect(Math.abs(p.y - p.h / 2), what).toBeLessThanOrEqual(p.cell / 2);
    }
    await expect(hover).toContainText(`pfn 0x${target.toString(16)} ·`);
  };
  const click = async (button: string): Promise<void> => {
    // As a person does: the pointer crosses the map (describing other frames) on its way to the button.
    const box = (await canvas.boundingBox())!;
    await app.mouse.move(box.x + 5, box.y + 5);
    await app.mouse.move(box.x + box.width - 5, box.y + box.height / 3, { steps: 3 });
    const before = await canvas.getAttribute('data-cell');
    await app.getByTestId(button).click();
    await expect(canvas).not.toHaveAttribute('data-cell', before!);
  };
  for (const button of ['mm-zoom-in', 'mm-zoom-in', 'mm-zoom-out', 'mm-zoom-out']) {
    await click(button);
    await check(button);
  }
  // All the way out to the whole map, then back in to the frames: the same frame, in the middle.
  while (await zoomOut.isEnabled()) await click('mm-zoom-out');
  await expect(hover).toContainText(`pfn 0x${target.toString(16)} ·`);
  while ((await canvas.getAttribute('data-view')) !== 'frames') await click('mm-zoom-in');
  await check('back in from the whole map');
});
