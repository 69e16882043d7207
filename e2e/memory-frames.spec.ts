/**
 * The memory panel's zoom down to 4 KiB frames: a run allocates an order-3 block and a secretmem page, the map is
 * zoomed in (buttons, wheel, keyboard, go-to-pfn) and the frames are checked through data attributes, pixels and
 * the hover line.
 */
import type { Page } from '@playwright/test';
import { expect, newFile, runScript, test, uniq } from './fixtures';

const SCRIPT = `const k = boot({ memory: '8G' });
const p = k.mm.alloc_pages('GFP_KERNEL', 3);
const page = k.mm.memfd_secret().fault(0);
print('order3=' + p.pfn + ' secret=' + page.pfn);
`;

/** The canvas pixel at the centre of frame pfn, from the panel's view attributes. */
async function frameCentre(page: Page, pfn: number): Promise<{ x: number; y: number }> {
  const c = page.getByTestId('mm-canvas');
  const [cell, cols, panX, panY] = await Promise.all(
    ['data-cell', 'data-cols', 'data-pan-x', 'data-pan-y'].map(async (a) => Number(await c.getAttribute(a))),
  );
  const b = Math.floor(pfn / 512);
  const k = pfn % 512;
  return {
    x: (b % cols!) * cell! - panX! + ((k % 32) + 0.5) * (cell! / 32),
    y: Math.floor(b / cols!) * cell! - panY! + (Math.floor(k / 32) + 0.5) * (cell! / 16),
  };
}

async function pixel(page: Page, at: { x: number; y: number }): Promise<number[]> {
  return page
    .getByTestId('mm-canvas')
    .evaluate(
      (c: HTMLCanvasElement, p) =>
        Array.from(c.getContext('2d')!.getImageData(Math.floor(p.x), Math.floor(p.y), 1, 1).data.slice(0, 3)),
      at,
    );
}

test('memory: zoom down to frames, their colours and their details', async ({ app }) => {
  await newFile(app, `${uniq('frames')}.js`);
  await runScript(app, SCRIPT);
  const m = /order3=(\d+) secret=(\d+)/.exec((await app.getByTestId('console').textContent()) ?? '');
  expect(m).not.toBeNull();
  const order3 = Number(m![1]);
  const secret = Number(m![2]);
  await app.getByTestId('tab-memory').click();
  const panel = app.getByTestId('panel-memory');
  const canvas = app.getByTestId('mm-canvas');
  await expect(panel).toHaveAttribute('data-pageblocks', '4096');
  // The final state carried the frames of every pageblock of this small run.
  await expect(panel).toHaveAttribute('data-frame-blocks', '4096');
  await expect(app.getByTestId('mm-frames-note')).toContainText('Frames: all 4,096 pageblocks');
  await expect(canvas).toHaveAttribute('data-view', 'pageblocks');

  // Zoom in with the button until the frames show.
  for (let i = 0; i < 10 && (await canvas.getAttribute('data-view')) !== 'frames'; i++)
    await app.getByTestId('mm-zoom-in').click();
  await expect(canvas).toHaveAttribute('data-view', 'frames');
  await expect(app.getByTestId('mm-zoom-level')).toContainText('4 KiB frames');
  expect(Number(await canvas.getAttribute('data-frame-blocks'))).toBeGreaterThan(0);

  // Go to the secretmem page: it is described, and it is out of the direct map under a 4K leaf.
  await app.getByTestId('mm-goto').fill(`0x${secret.toString(16)}`);
  await app.getByTestId('mm-goto').press('Enter');
  await expect(canvas).toHaveAttribute('data-hover-pfn', String(secret));
  await expect(canvas).toHaveAttribute('data-hover-kind', 'secretmem');
  await expect(canvas).toHaveAttribute('data-hover-level', '4K');
  await expect(app.getByTestId('mm-hover')).toContainText(
    `pfn 0x${secret.toString(16)} · pageblock ${Math.floor(secret / 512)} (Unmovable) · secretmem · order 0 · direct map 4K leaf · not present (unmapped)`,
  );

  // Pixels, without the 4K tint: the secret page is violet, the order-3 block Unmovable red.
  await app.getByTestId('mm-overlay-4k').uncheck();
  const near = (a: number[], b: number[]): boolean => a.every((v, i) => Math.abs(v - b[i]!) <= 2);
  expect(near(await pixel(app, await frameCentre(app, secret)), [0xa8, 0x55, 0xf7])).toBe(true);
  const inBlock = order3 + 5;
  expect(near(await pixel(app, await frameCentre(app, inBlock)), [0xc9, 0x53, 0x4f])).toBe(true);

  // Hovering a frame of the order-3 block describes it and its block.
  const box = (await canvas.boundingBox())!;
  const at = await frameCentre(app, inBlock);
  await app.mouse.move(box.x + at.x, box.y + at.y);
  await expect(canvas).toHaveAttribute('data-hover-pfn', String(inBlock));
  await expect(app.getByTestId('mm-hover')).toContainText(
    `pfn 0x${inBlock.toString(16)} · pageblock ${Math.floor(inBlock / 512)} (Unmovable) · allocated · order 3 (block 0x${order3.toString(16)}–0x${(order3 + 7).toString(16)}) · direct map 4K leaf · present`,
  );
  await expect(canvas).toHaveAttribute('data-hover-order', '3');

  // The keyboard walks frames: right is the next pfn, down the frame 32 further.
  await canvas.focus();
  await app.keyboard.press('ArrowRight');
  await expect(canvas).toHaveAttribute('data-hover-pfn', String(inBlock + 1));
  await app.keyboard.press('ArrowDown');
  await expect(canvas).toHaveAttribute('data-hover-pfn', String(inBlock + 33));
  // End goes to the last frame: the memmap, reserved at the top of memory (8G: 64 sections x 2M), still mapped.
  const last = 8 * 262144 - 1;
  await app.keyboard.press('End');
  await expect(canvas).toHaveAttribute('data-hover-pfn', String(last));
  await expect(canvas).toHaveAttribute('data-hover-kind', 'memmap (reserved)');
  await expect(app.getByTestId('mm-hover')).toContainText(
    `pfn 0x${last.toString(16)} · pageblock 4095 (Movable) · memmap (reserved) · order 0 · direct map 1G leaf · present`,
  );
  expect(near(await pixel(app, await frameCentre(app, last - 40)), [0x6e, 0x62, 0x52])).toBe(true);
  await app.getByTestId('mm-overlay-4k').check();
  // One step closer (frames 4 × 8 px) on the secret page for the screenshot.
  await app.getByTestId('mm-zoom-in').click();
  await app.getByTestId('mm-goto').press('Enter');
  await expect(canvas).toHaveAttribute('data-hover-pfn', String(secret));
  await panel.screenshot({ path: 'test-results/panel-memory-frames.png' });

  // 0 fits the whole map again; the wheel zooms back in at the pointer.
  await canvas.focus();
  await app.keyboard.press('0');
  await expect(canvas).toHaveAttribute('data-view', 'pageblocks');
  const fitCell = Number(await canvas.getAttribute('data-cell'));
  const fitBox = (await canvas.boundingBox())!;
  await app.mouse.move(fitBox.x + 2, fitBox.y + 2);
  for (let i = 0; i < 8 && (await canvas.getAttribute('data-view')) !== 'frames'; i++) {
    await app.mouse.wheel(0, -120);
    await expect(canvas).not.toHaveAttribute('data-cell', String(fitCell));
  }
  await expect(canvas).toHaveAttribute('data-view', 'frames');
  // Zoomed in at the top-left corner: the view stays there (the point under the pointer keeps its place).
  expect(Number(await canvas.getAttribute('data-pan-x'))).toBeLessThan(Number(await canvas.getAttribute('data-cell')));
  expect(Number(await canvas.getAttribute('data-pan-y'))).toBeLessThan(Number(await canvas.getAttribute('data-cell')));
  // Home goes to pfn 0, which the pointer then finds where the view attributes say.
  await canvas.focus();
  await app.keyboard.press('Home');
  await expect(canvas).toHaveAttribute('data-hover-pfn', '0');
  await expect(canvas).toHaveAttribute('data-pan-x', '0');
  const zoomedBox = (await canvas.boundingBox())!;
  const first = await frameCentre(app, 1);
  await app.mouse.move(zoomedBox.x + first.x, zoomedBox.y + first.y);
  await expect(canvas).toHaveAttribute('data-hover-pfn', '1');
  await expect(app.getByTestId('mm-hover')).toContainText('pfn 0x1 · pageblock 0 (Movable) ·');
  await app.getByTestId('mm-zoom-fit').click();
  await expect(canvas).toHaveAttribute('data-view', 'pageblocks');
});
