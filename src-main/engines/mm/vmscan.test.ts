import { describe, expect, it } from 'vitest';
import { KernelError } from '../common/errors';
import { createMm } from './index';
import { si_mem_available } from './procfs';

describe('page cache and MemAvailable (si_mem_available)', () => {
  it('cached file pages count in Cached, Inactive(file) and MemAvailable, not in MemFree', () => {
    const mm = createMm({ memory: '64M' });
    const free0 = mm.meminfo().MemFree!;
    // At boot MemAvailable is MemFree less totalreserve_pages (high watermarks and protection), not MemFree
    expect(mm.meminfo().MemAvailable).toBe(free0 - 4 * mm.totalreserve_pages);
    expect(mm.filemap_read('data', 8000)).toBe(8000);
    const m = mm.meminfo();
    expect(m).toMatchObject({ Cached: 32000, 'Inactive(file)': 32000, 'Active(file)': 0, Inactive: 32000 });
    expect(m.MemFree).toBe(free0 - 32000);
    // pagecache 8000 less min(4000, the low watermarks' sum) stays available
    const wmarkLow = mm.zones.reduce((n, z) => n + z._watermark[1]!, 0);
    expect(m.MemAvailable).toBe(4 * (mm.nrFreePages() - mm.totalreserve_pages + 8000 - Math.min(4000, wmarkLow)));
    expect(m.MemAvailable).toBeGreaterThan(m.MemFree!);
    expect(si_mem_available(mm) * 4).toBe(m.MemAvailable);
    // A second read of a referenced inactive page activates it (folio_mark_accessed)
    expect(mm.filemap_read('data', 10)).toBe(10);
    expect(mm.meminfo()).toMatchObject({ 'Active(file)': 40, 'Inactive(file)': 32000 - 40 });
    expect(mm.vmstat()).toMatchObject({ nr_file_pages: 8000, nr_active_file: 10, pgactivate: 10 });
    expect(mm.drop_caches()).toBe(8000);
    mm.drain_all_pages();
    expect(mm.meminfo()).toMatchObject({ Cached: 0, MemFree: free0 });
    expect(mm.vmstat().drop_pagecache).toBe(1);
    expect(mm.checkInvariants()).toEqual([]);
  });

  it("LRU pages are the kernel's: __free_pages on one is refused", () => {
    const mm = createMm({ memory: '64M' });
    mm.filemap_read('f', 1);
    const pfn = [...mm.vmscan.folios.keys()][0]!;
    expect(() => mm.__free_pages(pfn, 0)).toThrow(/LRU/);
    expect(() => mm.filemap_read('', 1)).toThrow(KernelError);
    expect(() => mm.anon_fault(-1)).toThrow(KernelError);
  });
});

describe('memory pressure: kswapd, direct reclaim, failure at min', () => {
  /** Fills a 64M machine that holds 24M of page cache with anonymous memory, one page per step. */
  function fill(): {
    mm: ReturnType<typeof createMm>;
    log: {
      step: number;
      free: number;
      avail: number;
      cached: number;
      wakeups: number;
      stolen: number;
      failed: boolean;
    }[];
  } {
    const mm = createMm({ memory: '64M' });
    mm.filemap_read('cache', 6144);
    const log = [];
    for (let step = 0; step < 20000; step++) {
      const ok = mm.anon_fault(1) === 1;
      const v = mm.vmscan;
      log.push({
        step,
        free: mm.nrFreePages(),
        avail: si_mem_available(mm),
        cached: v.nr(2) + v.nr(3),
        wakeups: v.kswapdWakeups,
        stolen: v.events.pgsteal_kswapd + v.events.pgsteal_direct,
        failed: !ok,
      });
      if (!ok) break;
    }
    return { mm, log };
  }

  it('kswapd wakes at low and reclaims cache; the request fails at min only once the cache is gone', () => {
    const { mm, log } = fill();
    const lowSum = mm.zones.reduce((n, z) => n + z._watermark[1]!, 0);
    const wake = log.findIndex((e) => e.wakeups > 0);
    const fail = log.findIndex((e) => e.failed);
    expect(wake).toBeGreaterThan(0);
    expect(fail).toBeGreaterThan(wake);
    // kswapd woke when the zones fell to low: free memory was near the sum of the low watermarks, and cache existed
    expect(log[wake - 1]!.free).toBeLessThanOrEqual(lowSum + 64);
    expect(log[wake]!.cached).toBeGreaterThan(0);
    expect(log[wake]!.avail).toBeGreaterThan(log[wake]!.free);
    // reclaim took the cache, not the free pages: between wake and failure free memory stayed above the min watermarks
    const minSum = mm.zones.reduce((n, z) => n + z._watermark[0]!, 0);
    for (const e of log.slice(wake, fail)) expect(e.free).toBeGreaterThan(minSum - 64);
    expect(log[fail - 1]!.cached).toBe(0);
    const v = mm.vmstat();
    expect(v.pgsteal_kswapd).toBeGreaterThan(0);
    expect(v.pgscan_kswapd).toBe(v.pgsteal_kswapd); // clean, unmapped page cache: everything scanned is reclaimed
    expect(v.pgsteal_file).toBe(v.pgsteal_kswapd! + v.pgsteal_direct!);
    expect(v.pgsteal_file).toBe(6144);
    expect(v.pageoutrun).toBeGreaterThan(0);
    // direct reclaim ran before the failure; GFP_HIGHUSER_MOVABLE's highest zone is ZONE_MOVABLE (gfp_zone())
    expect(v.allocstall_movable).toBeGreaterThan(0);
    expect(mm.allocFailures.at(-1)).toMatchObject({ gfp: 'GFP_HIGHUSER_MOVABLE', order: 0, reason: 'oom' });
    // the failed request left the zones at min (DMA32) and min + protection (DMA)
    expect(mm.zones[1]!.freePages).toBe(mm.zones[1]!._watermark[0]!);
    expect(mm.checkInvariants()).toEqual([]);
  });

  it('is deterministic: two runs log the same', () => {
    expect(fill().log).toEqual(fill().log);
  });

  it('kswapd keeps allocations out of direct reclaim while it can; without it direct reclaim takes the cache', () => {
    const busy = createMm({ memory: '64M' });
    busy.filemap_read('cache', 8000);
    while (busy.alloc_pages('GFP_KERNEL', 0));
    expect(busy.vmstat()).toMatchObject({ pgsteal_kswapd: 8000, pgsteal_direct: 0 });
    const mm = createMm({ memory: '64M', kswapd_rate: 0 });
    mm.filemap_read('cache', 8000);
    let got = 0;
    while (mm.alloc_pages('GFP_KERNEL', 0) && got < 20000) got++;
    const v = mm.vmstat();
    expect(v.pgsteal_kswapd! + v.pgsteal_direct!).toBe(8000);
    expect(v.allocstall_normal).toBeGreaterThan(0); // reclaim_idx is gfp_zone(GFP_KERNEL) = Normal, even with no Normal
    expect(v.pgsteal_direct).toBeGreaterThan(0);
    expect(mm.meminfo().Cached).toBe(0);
    expect(mm.checkInvariants()).toEqual([]);
  });
});
