import { expect, newFile, openExample, runScript, test, uniq } from './fixtures';
import type { Page } from '@playwright/test';

/** Counts canvas pixels that are the 4K-overlay magenta (r and b high, g low). */
async function overlayPixels(page: Page): Promise<number> {
  return page.getByTestId('mm-canvas').evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i]! > 170 && d[i + 1]! < 90 && d[i + 2]! > 170) n++;
    return n;
  });
}

async function runExample(page: Page, name: string): Promise<void> {
  await openExample(page, name);
  await page.getByTestId('run').click();
  await expect(page.getByTestId('console')).toContainText('✓ finished in', { timeout: 60_000 });
}

test.describe('engine panels', () => {
  test('memory: a secretmem run shows DirectMap4k > 0, the split, 4K cells and pageblock details', async ({ app }) => {
    await runExample(app, 'mm-secretmem.js');
    await app.getByTestId('tab-memory').click();
    const panel = app.getByTestId('panel-memory');
    await expect(panel).toHaveAttribute('data-pageblocks', '4096');
    await expect(app.getByTestId('mm-directmap')).toContainText('DirectMap4k:2048 kB');
    // 8G: 64 sections, each with 2M of struct pages; MemTotal is what is left
    await expect(app.getByTestId('mm-summary')).toContainText(
      'memory:8388608 kBmemmap (reserved):131072 kBMemTotal:8257536 kB',
    );
    expect(Number(await panel.getAttribute('data-directmap4k'))).toBeGreaterThan(0);
    await expect(app.getByTestId('mm-splits').locator('[data-key=direct_map_level2_splits]')).toContainText('1');
    await expect(app.getByTestId('mm-buddyinfo')).toContainText('Node 0, zone');
    await expect(app.getByTestId('mm-canvas')).toHaveAttribute('data-cells', '4096');
    // The 4K overlay marks the split 2M range; without it no cell is magenta.
    expect(await overlayPixels(app)).toBeGreaterThan(0);
    await app.getByTestId('mm-overlay-4k').uncheck();
    expect(await overlayPixels(app)).toBe(0);
    await app.getByTestId('mm-overlay-4k').check();
    // Hovering the first cell describes pageblock 0.
    const box = (await app.getByTestId('mm-canvas').boundingBox())!;
    await app.mouse.move(box.x + 1, box.y + 1);
    await expect(app.getByTestId('mm-hover')).toContainText('pageblock 0 · pfn 0x0–0x1ff');
    // The keyboard walks the map as well: one row down is 64 blocks on an 8G machine.
    await app.getByTestId('mm-canvas').focus();
    await app.keyboard.press('ArrowDown');
    await app.keyboard.press('ArrowRight');
    await expect(app.getByTestId('mm-hover')).toContainText('pageblock 65 · pfn 0x8200–0x83ff');
    await app.keyboard.press('End');
    await expect(app.getByTestId('mm-hover')).toContainText(
      'pageblock 4095 · pfn 0x1ffe00–0x1fffff · Movable · memmap (reserved) from pfn 0x1f8000 · allocated 512 · free 0',
    );
    // A run shorter than the sampling period has one state: the splits panel says so instead of drawing one point.
    await expect(app.getByTestId('mm-splits-chart')).toContainText(
      "One state, the run's end: 1 level2 and 1 level3 splits.",
    );
    for (const mode of ['allocated', 'free', 'unmapped', 'migratetype'])
      await app.getByTestId('mm-mode').selectOption(mode);
    await panel.screenshot({ path: 'test-results/panel-memory.png' });
  });

  test('bpf: a program with its disassembly, a map with its entries', async ({ app }) => {
    await runExample(app, 'bpf-array-map.js');
    await app.getByTestId('tab-bpf').click();
    const panel = app.getByTestId('panel-bpf');
    await expect(panel).toHaveAttribute('data-progs', '1');
    const prog = panel.locator('[data-testid=bpf-prog][data-name=count]');
    await expect(prog).toContainText('11 insns');
    await expect(prog.getByTestId('bpf-disasm')).toContainText('5: (85) call bpf_map_lookup_elem#1');
    const map = panel.locator('[data-testid=bpf-map][data-name=counts]');
    await expect(map).toContainText('BPF_MAP_TYPE_ARRAY');
    await expect(map.locator('tbody tr').first()).toHaveText(/^00000000\s*0a00000000000000\s*10$/);
    await panel.screenshot({ path: 'test-results/panel-bpf-maps.png' });
  });

  test('ublk: the device, its state, flags and counters after fio', async ({ app }) => {
    await runExample(app, 'ublk-null.js');
    await app.getByTestId('tab-ublk').click();
    const panel = app.getByTestId('panel-ublk');
    const dev = panel.getByTestId('ublk-dev');
    await expect(dev).toHaveAttribute('data-state', 'UBLK_S_DEV_LIVE');
    await expect(dev).toContainText('/dev/ublkc0 → /dev/ublkb0');
    await expect(dev).toContainText('UBLK_F_URING_CMD_COMP_IN_TASK');
    await expect(dev.locator('[data-key=completed] td').nth(1)).toHaveText('20,000');
    await panel.screenshot({ path: 'test-results/panel-ublk.png' });
  });

  test('results: lab.chart and lab.table, exported as PNG, CSV and JSON', async ({ app }) => {
    await runExample(app, 'ublk-data-paths.js');
    await app.getByTestId('tab-results').click();
    const panel = app.getByTestId('panel-results');
    await expect(panel).toHaveAttribute('data-charts', '2');
    const chart = panel.locator('[data-testid=chart][data-name="IOPS against block size"]');
    await expect(chart).toHaveAttribute('data-series', 'copy|user_copy|zero_copy');
    await expect(chart).toHaveAttribute('data-points', '12');
    await expect(chart.locator('canvas')).toHaveCount(1);
    await expect(panel.getByTestId('result-table').locator('tbody tr')).toHaveCount(12);
    const [png] = await Promise.all([app.waitForEvent('download'), panel.getByTestId('chart-png').first().click()]);
    expect(png.suggestedFilename()).toBe('IOPS-against-block-size.png');
    const [csv] = await Promise.all([app.waitForEvent('download'), panel.getByTestId('results-csv').click()]);
    const text = await (await csv.createReadStream()).toArray();
    expect(Buffer.concat(text).toString()).toContain('data_path,bs_kb,iops,p99_us,copied_bytes');
    const [json] = await Promise.all([app.waitForEvent('download'), panel.getByTestId('results-json').click()]);
    const parsed = JSON.parse(Buffer.concat(await (await json.createReadStream()).toArray()).toString());
    expect(parsed.charts.map((c: { name: string }) => c.name)).toEqual([
      'IOPS against block size',
      'p99 latency against block size',
    ]);
    await panel.screenshot({ path: 'test-results/panel-results.png' });
  });

  test('a run that boots two machines lets the panels switch between them', async ({ app }) => {
    await newFile(app, `${uniq('two-machines')}.js`);
    await runScript(
      app,
      "const a = boot({ memory: '4G' });\nconst b = boot({ memory: '8G' });\nb.mm.memfd_secret().fault(0);\nprint('booted');\n",
    );
    await app.getByTestId('tab-memory').click();
    const select = app.getByTestId('machine-select');
    await expect(select).toBeVisible();
    await expect(select.locator('option')).toHaveCount(2);
    await expect(app.getByTestId('panel-memory')).toHaveAttribute('data-pageblocks', '4096');
    await select.selectOption('0');
    await expect(app.getByTestId('panel-memory')).toHaveAttribute('data-pageblocks', '2048');
    await expect(app.getByTestId('panel-memory')).toHaveAttribute('data-directmap4k', '0');
  });

  test('Alt+number switches panels', async ({ app }) => {
    await app.getByTestId('editor').click();
    await app.keyboard.press('Alt+3');
    await expect(app.getByTestId('panel-memory')).toBeVisible();
    await app.keyboard.press('Alt+1');
    await expect(app.getByTestId('console')).toBeVisible();
  });
});
