/** The pressure trace: free pages per zone and the reclaim / compaction / failure events, bounded and deterministic. */
import { describe, expect, it } from 'vitest';
import { createMm, type MmEngine } from './index';
import { EVENTS_KEPT, MAX_SAMPLES, MmTrace, type TraceEvent } from './mm_trace';

/** The mm-pressure example's three acts on a 64M machine: cache until kswapd reclaims, a truncate and an order-10 request, then GFP_KERNEL until it fails. */
function pressure(): MmEngine {
  const mm = createMm({ memory: '64M', seed: 1 });
  for (let i = 0; mm.vmstat().pgsteal_kswapd! < 2000; i++) {
    mm.filemap_read('a', 1, i);
    mm.filemap_read('b', 1, i);
  }
  mm.truncate('b');
  expect(mm.alloc_pages('GFP_KERNEL', 10)).not.toBeNull();
  while (mm.alloc_pages('GFP_KERNEL', 0)) {
    /* until the min watermark refuses one */
  }
  return mm;
}

const firstOf = (events: TraceEvent[], kind: string): number => events.findIndex((e) => e.kind === kind);

describe('MmTrace', () => {
  it('records reclaim, then compaction for the order-10 request, then the failure at min, in order', () => {
    const mm = pressure();
    const w = mm.trace.wire();
    const dma32 = mm.zones.findIndex((z) => z.name === 'DMA32');
    const wake = firstOf(w.events, 'kswapd_wake');
    const compact = firstOf(w.events, 'compact_success');
    const fail = firstOf(w.events, 'alloc_fail');
    expect(wake).toBeGreaterThanOrEqual(0);
    expect(compact).toBeGreaterThan(wake);
    expect(fail).toBeGreaterThan(compact);
    // The events carry what the counters say: direct compaction of order 10 that migrated pages, a failure at min.
    expect(w.events[compact]).toMatchObject({ order: 10, zone: dma32 });
    expect(w.events[compact]!.pages).toBeGreaterThan(0);
    expect(w.counts.compact_success).toBe(mm.vmstat().compact_success);
    expect(w.counts.kswapd_wake).toBe(mm.vmstat().pageoutrun);
    expect(w.events[fail]).toMatchObject({ order: 0, zone: dma32, free: mm.zones[dma32]!._watermark[0] });
    expect(w.counts.direct_reclaim).toBeGreaterThan(0);
    const reclaimed = w.events.filter((e) => e.kind === 'direct_reclaim').reduce((n, e) => n + e.pages, 0);
    expect(reclaimed).toBeLessThanOrEqual(mm.vmstat().pgsteal_direct!);
    // Times ascend; the free-page rows match the samples and end at the zones' free pages.
    for (let i = 1; i < w.events.length; i++) expect(w.events[i]!.t).toBeGreaterThanOrEqual(w.events[i - 1]!.t);
    for (let i = 1; i < w.t.length; i++) expect(w.t[i]!).toBeGreaterThan(w.t[i - 1]!);
    expect(w.free).toHaveLength(mm.zones.length);
    for (const row of w.free) expect(row).toHaveLength(w.t.length);
    expect(w.t[w.t.length - 1]).toBe(w.now);
    expect(w.free[dma32]![w.t.length - 1]).toBe(mm.zones[dma32]!.freePages);
  });

  it('stays bounded: samples thinned at MAX_SAMPLES, the first and last events of each kind kept', () => {
    const mm = pressure();
    const w = mm.trace.wire();
    expect(w.now).toBeGreaterThan(MAX_SAMPLES * 16); // enough requests that thinning happened
    expect(w.t.length).toBeLessThanOrEqual(MAX_SAMPLES);
    expect(w.interval).toBeGreaterThan(16);
    for (const [kind, n] of Object.entries(w.counts)) {
      const kept = w.events.filter((e) => e.kind === kind).length;
      expect(kept).toBe(Math.min(n, EVENTS_KEPT));
    }
    // Past the cap, a kind keeps its first and its latest events.
    const zones = [{ freePages: 0 }];
    const t = new MmTrace({ zones });
    for (let i = 0; i < 1000; i++) {
      zones[0]!.freePages = i;
      t.tick();
      t.event('direct_reclaim', 0, 0, i);
    }
    const tw = t.wire();
    expect(tw.counts.direct_reclaim).toBe(1000);
    expect(tw.events.map((e) => e.pages)).toEqual([
      ...Array.from({ length: EVENTS_KEPT / 2 }, (_, i) => i),
      ...Array.from({ length: EVENTS_KEPT / 2 }, (_, i) => 1000 - EVENTS_KEPT / 2 + i),
    ]);
    expect(tw.t.length).toBeLessThanOrEqual(MAX_SAMPLES);
    expect(tw.free[0]!.at(-1)).toBe(999);
  });

  it('is deterministic: the same workload gives the same trace', () => {
    expect(pressure().trace.wire()).toEqual(pressure().trace.wire());
  });

  it('marks a compact_memory write', () => {
    const mm = createMm({ memory: '64M' });
    for (let i = 0; i < 2000; i++) mm.filemap_read('f', 1, i);
    const n = mm.compact();
    const e = mm.trace.wire().events.filter((x) => x.kind === 'compact_memory');
    expect(e).toEqual([expect.objectContaining({ pages: n, zone: mm.zone.idx })]);
  });
});
