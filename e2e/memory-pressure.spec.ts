/**
 * Issue 18 in the UI: the mm-pressure example fills a 64M machine and shows, in order, reclaim (MemAvailable above
 * MemFree while cache exists), compaction on a high-order failure and a GFP_KERNEL failure at the min watermark,
 * in the /proc/vmstat counters the console and the memory panel show and in the panel's chart of free pages
 * against the watermarks; the map shows the zones DMA and DMA32.
 */
import { expect, openExample, test } from './fixtures';

test('mm-pressure: reclaim, then compaction, then a failure at min, in the counters and the chart', async ({ app }) => {
  await openExample(app, 'mm-pressure.js');
  await app.getByTestId('run').click();
  const console_ = app.getByTestId('console');
  await expect(console_).toContainText('✓ finished in', { timeout: 60_000 });

  // The console: each act's moved vmstat counters, in the order the acts ran.
  const text = (await console_.textContent()) ?? '';
  const act1 = text.indexOf('1. reclaim:');
  const act2 = text.indexOf('2. truncate');
  const act3 = text.indexOf('3. about');
  expect(act1).toBeGreaterThanOrEqual(0);
  expect(act2).toBeGreaterThan(act1);
  expect(act3).toBeGreaterThan(act2);
  const counter = (from: number, name: string): number => {
    const m = new RegExp(`"${name}":(\\d+)`).exec(text.slice(from));
    expect(m, name).not.toBeNull();
    return Number(m![1]);
  };
  expect(counter(act1, 'pgsteal_kswapd')).toBeGreaterThan(0);
  const mem = /MemFree (\d+) kB < MemAvailable (\d+) kB while Cached is (\d+) kB/.exec(text.slice(act1));
  expect(mem).not.toBeNull();
  expect(Number(mem![2])).toBeGreaterThan(Number(mem![1]));
  expect(Number(mem![3])).toBeGreaterThan(0);
  expect(counter(act2, 'compact_stall')).toBeGreaterThan(0);
  expect(counter(act2, 'compact_success')).toBeGreaterThan(0);
  expect(counter(act2, 'pgmigrate_success')).toBeGreaterThan(0);
  expect(text.slice(act2)).toMatch(/alloc_pages\(GFP_KERNEL, 10\) -> pfn \d+ after direct compaction/);
  expect(text.slice(act3)).toMatch(/alloc_pages\(GFP_KERNEL, 0\) -> NULL/);
  const atMin = /DMA32 free (\d+) = min (\d+)/.exec(text.slice(act3));
  expect(atMin).not.toBeNull();
  expect(atMin![1]).toBe(atMin![2]);

  await app.getByTestId('tab-memory').click();
  // The panel's meminfo at the run's end: the cache is gone (reclaim took it all before the failure), so
  // MemAvailable is MemFree less the reserves, no more.
  const summary = app.getByTestId('mm-summary');
  await expect(summary.locator('[data-key=Cached] b')).toHaveText('0 kB');
  const kb = async (k: string): Promise<number> =>
    parseInt((await summary.locator(`[data-key=${k}] b`).textContent()) ?? '', 10);
  expect(await kb('MemAvailable')).toBeLessThan(await kb('MemFree'));
  // The map: the zones' boundaries, DMA from pageblock 0 and DMA32 from 16 MiB (pageblock 8).
  await expect(app.getByTestId('mm-canvas')).toHaveAttribute('data-zones', 'DMA:0,DMA32:8');
  // The zone bars: DMA32 ends at its min watermark, with its low and high watermarks above it.
  const dma32 = app.locator('[data-testid=mm-zones] [data-zone=DMA32]');
  await expect(dma32).toBeVisible();
  const attr = async (n: string): Promise<number> => Number(await dma32.getAttribute(n));
  expect(await attr('data-free')).toBe(await attr('data-min'));
  expect(await attr('data-min')).toBeGreaterThan(0);
  expect(await attr('data-low')).toBeGreaterThan(await attr('data-min'));
  expect(await attr('data-high')).toBeGreaterThan(await attr('data-low'));
  await expect(dma32.locator('[data-wmark]')).toHaveCount(3);

  // The panel's vmstat: kswapd's reclaim, and the compaction that succeeded.
  const vm = async (k: string): Promise<number> =>
    Number(await app.locator(`[data-testid=mm-pressure-vmstat] [data-key=${k}] b`).textContent());
  expect(await vm('pgsteal_kswapd')).toBeGreaterThan(0);
  expect(await vm('compact_stall')).toBeGreaterThan(0);
  expect(await vm('compact_success')).toBeGreaterThan(0);

  // The chart follows DMA32 (the zone GFP_KERNEL is served from on a 64M machine), and its events come in order:
  // kswapd's reclaim, the order-10 direct compaction, then the failure at min.
  const chart = app.getByTestId('mm-pressure-chart');
  await expect(chart).toHaveAttribute('data-zone', 'DMA32');
  await expect(chart.locator('canvas').first()).toBeVisible();
  const events = ((await chart.getAttribute('data-events')) ?? '').split(',');
  const wake = events.indexOf('kswapd_wake');
  const compact = events.indexOf('compact_success');
  const fail = events.indexOf('alloc_fail');
  expect(wake).toBeGreaterThanOrEqual(0);
  expect(compact).toBeGreaterThan(wake);
  expect(fail).toBeGreaterThan(compact);
  expect(events.lastIndexOf('compact_success')).toBeLessThan(fail);
  // The event list says the same in words.
  const list = app.getByTestId('mm-pressure-events');
  await expect(list.locator('[data-kind=compact_success]').first()).toContainText(
    'direct compaction succeeds: order 10',
  );
  await expect(list.locator('[data-kind=alloc_fail]').last()).toContainText(
    'page allocation failure: order 0 (DMA32 free',
  );
});
