/**
 * Issue 18 from a script: the reclaim, compaction and page-cache calls of k.mm (bindings.ts) and the
 * mm-pressure.js example, whose workload must show reclaim, compaction on a high-order failure and a GFP_KERNEL
 * failure at min, in that order.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RunRequestSchema } from '../contract';
import { runInSandbox } from './sandbox';

async function run(code: string) {
  let out = '';
  const outcome = await runInSandbox(
    RunRequestSchema.parse({ code, filename: 'pressure.js', limits: { timeoutMs: 120_000 } }),
    { output: (_s, t) => (out += t), progress: () => {} },
  );
  return { outcome, out };
}

describe('k.mm page cache, reclaim and compaction calls', () => {
  it('reads, truncates, faults, drops caches, runs kswapd and compacts with the counters Linux keeps', async () => {
    const { outcome } = await run(`
      const k = boot({ memory: '64M' });
      const r = {};
      r.read = k.mm.filemap_read('f', 100);
      r.reread = k.mm.filemap_read('f', 100);          // cached: marked accessed, nothing allocated
      r.cachedKb = k.mm.meminfo().Cached;
      r.activated = k.mm.vmstat().pgactivate;
      r.trunc = k.mm.truncate('f');
      r.truncAgain = k.mm.truncate('f');               // the file stays, empty
      try { k.mm.truncate('g'); } catch (e) { r.missing = e.errno; }
      r.anon = k.mm.anon_fault(10);
      r.anonKb = k.mm.meminfo().AnonPages;
      r.unmap = k.mm.anon_unmap(4);
      k.mm.filemap_read('h', 50);
      r.dropSlab = k.mm.drop_caches(2);                // slab only: the page cache stays
      r.dropBoth = k.mm.drop_caches(3);
      const v = k.mm.vmstat();
      r.drops = [v.drop_pagecache, v.drop_slab];
      try { k.mm.drop_caches(0); } catch (e) { r.drop0 = e.errno; }
      r.kswapd = k.mm.kswapd_run();                    // asleep: nothing to do
      r.compact = typeof k.mm.compact();
      r.zones = k.mm.zoneinfo().map((z) => [z.zone, z.managed > 0, z.min < z.low && z.low < z.high || z.managed === 0]);
      r.sysctl = [k.mm.min_free_kbytes, k.mm.watermark_scale_factor];
      lab.result(r);`);
    expect(outcome.error).toBeUndefined();
    expect(outcome.result).toMatchObject({
      read: 100,
      reread: 100,
      cachedKb: 400,
      activated: 100,
      trunc: 100,
      truncAgain: 0,
      missing: 'ENOENT',
      anon: 10,
      anonKb: 40,
      unmap: 4,
      dropSlab: 0,
      dropBoth: 50,
      drops: [1, 2],
      drop0: 'EINVAL',
      kswapd: 0,
      compact: 'number',
      zones: [
        ['DMA', true, true],
        ['DMA32', true, true],
        ['Normal', false, true],
        ['Movable', false, true],
        ['Device', false, true],
      ],
      sysctl: [3096, 10],
    });
  });

  it("zoneinfo() gives /proc/zoneinfo's figures", async () => {
    const { outcome } = await run(`
      const k = boot({ memory: '64M' });
      const text = k.mm.procfs('zoneinfo');
      lab.result(k.mm.zoneinfo().filter((z) => z.managed > 0).map((z) => {
        const part = text.slice(text.indexOf('zone ' + ' '.repeat(Math.max(0, 8 - z.zone.length)) + z.zone));
        const num = (name) => Number(new RegExp('\\\\n\\\\s+' + name + '\\\\s+(\\\\d+)').exec(part)[1]);
        return [z.min === num('min'), z.low === num('low'), z.high === num('high'), z.managed === num('managed'), z.free === num('pages free')];
      }));`);
    expect(outcome.error).toBeUndefined();
    expect(outcome.result).toEqual([
      [true, true, true, true, true],
      [true, true, true, true, true],
    ]);
  });

  it('kswapd_run() lets a woken kswapd reclaim up to the high watermark', async () => {
    const { outcome } = await run(`
      const k = boot({ memory: '64M', mm: { kswapd_rate: 0 } }); // kswapd woken but never scheduled
      k.mm.filemap_read('f', 15000);                 // past both zones' low watermarks: the slow path wakes kswapd
      const dma32 = () => k.mm.zoneinfo().find((z) => z.zone === 'DMA32');
      const before = dma32().free;
      const got = k.mm.kswapd_run();
      lab.result({ got, woke: k.mm.vmstat().pageoutrun, below: before < dma32().low, balanced: dma32().free >= dma32().high, steal: k.mm.vmstat().pgsteal_kswapd });`);
    expect(outcome.error).toBeUndefined();
    const r = outcome.result as { got: number; woke: number; below: boolean; balanced: boolean; steal: number };
    expect(r.woke).toBeGreaterThan(0);
    expect(r.below).toBe(true);
    expect(r.got).toBeGreaterThan(0);
    expect(r.got).toBe(r.steal);
    expect(r.balanced).toBe(true);
  });
});

describe('the mm-pressure.js example', () => {
  it('shows reclaim, then compaction on an order-10 failure, then a GFP_KERNEL failure at min', async () => {
    const code = readFileSync(new URL('../../src-renderer/examples/mm-pressure.js', import.meta.url), 'utf8');
    const { outcome, out } = await run(code);
    expect(outcome.error).toBeUndefined();
    expect(outcome.result).toMatchObject({ compact_success: 1, failed_at_min: true });
    const acts = ['1. reclaim', '2. truncate', '3. about'].map((s) => out.indexOf(s));
    expect(acts.every((i) => i >= 0)).toBe(true);
    expect([...acts].sort((a, b) => a - b)).toEqual(acts);
    expect(out).toMatch(/MemFree (\d+) kB < MemAvailable (\d+) kB while Cached is [1-9]\d* kB/);
    expect(out).toMatch(/"compact_stall":1,"compact_success":1,"compact_fail":0/);
    expect(out).toMatch(/DMA32 free (\d+) = min \1/);
  });
});
