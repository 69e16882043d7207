import { expect, newFile, runScript, test, uniq } from './fixtures';

const SCRIPT = `const k = boot();
const dev = k.ublk.add_dev({ target: 'loop', nr_hw_queues: 2, queue_depth: 32, dev_size: '256M', data_path: 'zero_copy' });
dev.start_dev();
k.ublk.fio({ dev, rw: 'randread', bs: '4k', iodepth: 32, ios: 5000, trace_every: 50 });
k.ublk.fio({ dev, rw: 'randread', bs: '64k', iodepth: 8, ios: 400, trace_every: 40 });
print('done');
`;

test.describe('ublk panel', () => {
  test('tag board of 2 × 32 tags and the I/O timeline in swimlanes', async ({ app }) => {
    await newFile(app, `${uniq('ublk-timeline')}.js`);
    await runScript(app, SCRIPT);
    await app.getByTestId('tab-ublk').click();
    const panel = app.getByTestId('panel-ublk');
    await expect(panel.getByTestId('ublk-dev')).toHaveAttribute('data-state', 'UBLK_S_DEV_LIVE');

    const board = panel.getByTestId('ublk-tagboard');
    await expect(board).toHaveAttribute('data-cells', '64');
    await expect(board).toHaveAttribute('data-queues', '2');
    await expect(board.locator('.ublk-tagrow')).toHaveCount(2);
    await expect(board.locator('.ublk-tagcells .ublk-tag')).toHaveCount(64);
    // After fio every tag is back with a FETCH command pending in the driver: ACTIVE, no request.
    const first = board.locator('.ublk-tagrow[data-q="1"] .ublk-tag[data-tag="31"]');
    await expect(first).toHaveAttribute('title', /^q1 tag 31 · flags .*ACTIVE/);
    await expect(board.locator('.ublk-legend-item')).toHaveCount(9);

    const tl = panel.getByTestId('ublk-timeline');
    await expect(tl).toHaveAttribute('data-lanes', 'application|block layer|ublk server|backend');
    // The newest run is shown: 400 I/Os, one sampled every 40 → 10 I/Os.
    await expect(panel.getByTestId('ublk-timeline-run').locator('option')).toHaveCount(2);
    await expect(tl).toHaveAttribute('data-run', '1');
    await expect(tl).toHaveAttribute('data-ios', '10');
    expect(Number(await tl.getAttribute('data-records'))).toBeGreaterThanOrEqual(10 * 6);
    // The older run: 5000 I/Os sampled every 50 → 100 I/Os.
    await panel.getByTestId('ublk-timeline-run').selectOption('0');
    await expect(tl).toHaveAttribute('data-run', '0');
    await expect(tl).toHaveAttribute('data-ios', '100');
    const records = Number(await tl.getAttribute('data-records'));
    expect(records).toBeGreaterThanOrEqual(100 * 6);
    // Something is drawn in the lanes' plot area: pixels of the step colours.
    const painted = await tl.evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i + 1]! > 150 && d[i]! < 160 && d[i + 2]! < 160) n++; // the backend's green
      return n;
    });
    expect(painted).toBeGreaterThan(0);
    // Hovering a step names its I/O; the wheel zooms in.
    const box = (await tl.boundingBox())!;
    const before = await tl.getAttribute('data-view-us');
    await app.mouse.move(box.x + box.width * 0.5, box.y + 60);
    await app.mouse.wheel(0, -400);
    await expect(tl).not.toHaveAttribute('data-view-us', before!);
    await tl.dblclick();
    await expect(tl).toHaveAttribute('data-view-us', before!);
    // Aligned at each I/O's first step, the run spans one I/O's latency, far less than the 5000-I/O run.
    const whole = Number(before!.split('-')[1]);
    await panel.getByTestId('ublk-timeline-align').check();
    await expect(tl).toHaveAttribute('data-aligned', 'true');
    await expect(tl).toHaveAttribute('data-records', String(records));
    expect(Number((await tl.getAttribute('data-view-us'))!.split('-')[1])).toBeLessThan(whole / 10);
    await panel.getByTestId('ublk-timeline-run').selectOption('1');
    await tl.scrollIntoViewIfNeeded();
    await panel.screenshot({ path: 'test-results/panel-ublk-timeline.png' });
  });
});

test('ublk timeline: a fully traced run (up to 4096 records) draws in one pass', async ({ app }, testInfo) => {
  await newFile(app, `${uniq('ublk-trace-all')}.js`);
  await runScript(
    app,
    "const k = boot();\nconst dev = k.ublk.add_dev({ target: 'null', nr_hw_queues: 1, queue_depth: 64 });\ndev.start_dev();\nk.ublk.fio({ dev, rw: 'randread', bs: '4k', iodepth: 64, ios: 600, trace_every: 1 });\n",
  );
  await app.getByTestId('tab-ublk').click();
  const tl = app.getByTestId('ublk-timeline');
  await expect(tl).toHaveAttribute('data-lanes', 'application|block layer|ublk server|backend');
  const records = Number(await tl.getAttribute('data-records'));
  expect(records).toBeGreaterThan(600 * 4);
  // A redraw (double-click resets the view and draws synchronously), timed with performance marks: reported, not asserted.
  const ms = await tl.evaluate((c: HTMLCanvasElement) => {
    performance.mark('ublk-tl-start');
    for (let i = 0; i < 10; i++) c.dispatchEvent(new MouseEvent('dblclick', { bubbles: true }));
    return performance.measure('ublk-tl-draw', 'ublk-tl-start').duration / 10;
  });
  testInfo.annotations.push({
    type: 'perf',
    description: `ublk timeline redraw of ${records} records: ${ms.toFixed(2)} ms`,
  });
  console.log(`ublk timeline redraw of ${records} records: ${ms.toFixed(2)} ms`);
});
